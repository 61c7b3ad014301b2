"""The service's front door: one CloudFront distribution for the API and the web console.

    https://<distribution>/v1/...       -> API Gateway (the REST API's stage; nothing cached)
    https://<distribution>/console/...  -> the console's built files, in a private S3 bucket

The console is served from the API's own origin, as the local stack serves it
(devstack/console.py), so every call it makes is same-origin and **the API needs no CORS**:
no Chalice route declares `cors`, the gateway adds no `Access-Control-*` header, and the
distribution's policies add none either (tests/infra/test_console_hosting.py checks all
three). A browser on any other origin therefore cannot read the API's answers, which is
what a service that hands out secrets wants. The only cross-origin calls the console makes
go to the OIDC issuer (discovery, token endpoint), and its Content-Security-Policy allows
exactly that origin besides its own.

Why CloudFront and not API Gateway for the files: API Gateway would run a function (or an
S3 integration with a role) for each file, and every asset would count as an API request
and cost as one; CloudFront serves them from the edge with the right cache headers, and
its response headers policy gives them the console's security headers.

The console's security headers come from chalicelib/console.py, the one source the local
stack uses as well, plus HSTS. Its files are deployed by CDK's `BucketDeployment`: hashed
`assets/*` cached for a year, `index.html` and `config.json` (how people sign in: the
stage's OIDC issuer and the console's public client) revalidated on every load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

from chalicelib.console import SECURITY_HEADERS, content_security_policy
from keywarden_infra.config import StageConfig

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_DIST = ROOT / "console" / "dist"
ROUTES_FUNCTION = Path(__file__).with_name("console_routes.js")
CONSOLE_PREFIX = "console/"
IMMUTABLE = "public, max-age=31536000, immutable"
# Two years; not includeSubDomains: the front door's host name says nothing about the
# other hosts of its parent domain.
HSTS_MAX_AGE = Duration.days(730)


@dataclass(frozen=True)
class FrontDoor:
    distribution: cloudfront.Distribution
    bucket: s3.Bucket

    def url(self, config: StageConfig) -> str:
        return f"https://{config.domain_name or self.distribution.distribution_domain_name}"


def create(stack: Stack, config: StageConfig, api_domain: str, api_stage: str) -> FrontDoor:
    """The distribution in front of the REST API at `api_domain` (its stage `api_stage`),
    and the console's bucket and files behind `/console/*`."""
    if not (CONSOLE_DIST / "index.html").is_file():
        raise FileNotFoundError(f"{CONSOLE_DIST} has no build of the console: run `make console` first")
    bucket = s3.Bucket(
        stack,
        "ConsoleFiles",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        # Nothing in it but a build of the repository, which every deploy writes again: it goes
        # with the stack (emptied first by CDK's auto-delete handler, or the delete would fail).
        removal_policy=RemovalPolicy.DESTROY,
        auto_delete_objects=True,
    )
    console_files = origins.S3BucketOrigin.with_origin_access_control(bucket)
    console_behaviour = cloudfront.BehaviorOptions(
        origin=console_files,
        viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        # Honours the files' own Cache-Control (BucketDeployment sets it, below).
        cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
        response_headers_policy=_console_headers(stack, config),
        function_associations=[
            cloudfront.FunctionAssociation(
                function=cloudfront.Function(
                    stack,
                    "ConsoleRoutes",
                    code=cloudfront.FunctionCode.from_file(file_path=str(ROUTES_FUNCTION)),
                    runtime=cloudfront.FunctionRuntime.JS_2_0,
                    comment="Keywarden console: routes of the single-page app -> index.html",
                ),
                event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
            )
        ],
    )
    custom_domain = (
        {
            "domain_names": [config.domain_name],
            "certificate": acm.Certificate.from_certificate_arn(stack, "FrontDoorCertificate", config.certificate_arn),
            "minimum_protocol_version": cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        }
        if config.domain_name and config.certificate_arn
        else {}
    )
    distribution = cloudfront.Distribution(
        stack,
        "FrontDoor",
        comment=f"Keywarden {config.stage}: the API and its console",
        default_behavior=cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(
                api_domain,
                origin_path=f"/{api_stage}",
                protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            ),
            # No redirect: a client that sent a key over plain HTTP must not be taught it worked.
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            # Every answer depends on the caller (and a revoked key must fail at once).
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # Every viewer header (Authorization, Idempotency-Key, Content-Type, ...) and query
            # string, but not Host: API Gateway routes by its own host name. With caching
            # disabled this policy forwards Authorization as well, which no custom origin
            # request policy may.
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=_api_headers(stack, config),
        ),
        additional_behaviors={"/console": console_behaviour, "/console/*": console_behaviour},
        http_version=cloudfront.HttpVersion.HTTP2_AND_3,
        **custom_domain,
    )
    _deploy_console(stack, config, bucket)
    return FrontDoor(distribution=distribution, bucket=bucket)


def console_config(config: StageConfig) -> dict[str, str]:
    """/console/config.json: how people sign in to this stage (console/src/auth/config.ts)."""
    return {
        "auth": "oidc",
        "issuer": config.oidc_issuer or "",
        "client_id": config.console_oidc_client_id or "",
        "scope": config.console_oidc_scope,
        "admin_group": config.admin_group,
    }


def _deploy_console(stack: Stack, config: StageConfig, bucket: s3.Bucket) -> None:
    """Two deployments of the same build, by cache lifetime. Hashed assets first and never
    pruned: a page loaded before a deploy still finds the chunks it loads lazily. Then
    index.html and config.json, no-cache, pruned except for assets/."""
    build = s3deploy.Source.asset(str(CONSOLE_DIST))
    assets = s3deploy.BucketDeployment(
        stack,
        "ConsoleAssets",
        destination_bucket=bucket,
        destination_key_prefix=CONSOLE_PREFIX,
        sources=[build],
        exclude=["*"],
        include=["assets/*"],
        prune=False,
        cache_control=[s3deploy.CacheControl.from_string(IMMUTABLE)],
    )
    pages = s3deploy.BucketDeployment(
        stack,
        "ConsolePages",
        destination_bucket=bucket,
        destination_key_prefix=CONSOLE_PREFIX,
        sources=[build, s3deploy.Source.json_data("config.json", console_config(config))],
        exclude=["assets/*"],
        prune=True,
        cache_control=[s3deploy.CacheControl.no_cache()],
    )
    pages.node.add_dependency(assets)


def _console_headers(stack: Stack, config: StageConfig) -> cloudfront.ResponseHeadersPolicy:
    """The console's Content-Security-Policy and security headers (chalicelib/console.py),
    plus HSTS. CloudFront sets the headers it knows as security headers itself (and refuses
    them as custom ones); the rest are custom headers."""
    custom: list[cloudfront.ResponseCustomHeader] = []
    content_type_options = frame_options = referrer_policy = None
    for name, value in SECURITY_HEADERS.items():
        if name == "X-Content-Type-Options":
            assert value == "nosniff", value
            content_type_options = cloudfront.ResponseHeadersContentTypeOptions(override=True)
        elif name == "X-Frame-Options":
            frame_options = cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption[value.upper()], override=True
            )
        elif name == "Referrer-Policy":
            referrer_policy = cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy[value.upper().replace("-", "_")], override=True
            )
        else:
            custom.append(cloudfront.ResponseCustomHeader(header=name, value=value, override=True))
    return cloudfront.ResponseHeadersPolicy(
        stack,
        "ConsoleHeaders",
        comment=f"Keywarden {config.stage}: the console's CSP and security headers (chalicelib/console.py)",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=content_security_policy(
                    config.oidc_issuer, tuple(config.console_connect_origins.split())
                ),
                override=True,
            ),
            content_type_options=content_type_options,
            frame_options=frame_options,
            referrer_policy=referrer_policy,
            strict_transport_security=_hsts(),
        ),
        custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(custom_headers=custom) if custom else None,
    )


def _api_headers(stack: Stack, config: StageConfig) -> cloudfront.ResponseHeadersPolicy:
    """HSTS on the API's answers through the front door; the API sets the rest itself."""
    return cloudfront.ResponseHeadersPolicy(
        stack,
        "ApiHeaders",
        comment=f"Keywarden {config.stage}: HSTS on the API's answers",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(strict_transport_security=_hsts()),
    )


def _hsts() -> cloudfront.ResponseHeadersStrictTransportSecurity:
    return cloudfront.ResponseHeadersStrictTransportSecurity(
        access_control_max_age=HSTS_MAX_AGE, include_subdomains=False, override=True
    )
