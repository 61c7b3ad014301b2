"""The front door (infra/keywarden_infra/front_door.py): one CloudFront distribution, the API
behind it uncached, the console's files from a private bucket, the console's headers from
the one source the local stack uses, and no CORS anywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from keywarden_infra.front_door import IMMUTABLE

from chalicelib.console import SECURITY_HEADERS, content_security_policy
from tests.infra.conftest import ROOT, Template

# CloudFront's managed policies (ids from the CloudFront developer guide).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
PROD_ISSUER = "https://idp.example.com/realms/acme"


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = template.of_type(resource_type).items()
    return logical_id, resource["Properties"]


def distribution(template: Template) -> tuple[str, dict[str, Any]]:
    logical_id, props = only(template, "AWS::CloudFront::Distribution")
    return logical_id, props["DistributionConfig"]


def origin(template: Template, origin_id: str) -> dict[str, Any]:
    [found] = [o for o in distribution(template)[1]["Origins"] if o["Id"] == origin_id]
    return dict(found)


def console_bucket(template: Template) -> str:
    [logical_id] = [name for name in template.of_type("AWS::S3::Bucket") if name.startswith("ConsoleFiles")]
    return logical_id


def behaviour(template: Template, pattern: str) -> dict[str, Any]:
    [found] = [b for b in distribution(template)[1]["CacheBehaviors"] if b["PathPattern"] == pattern]
    return dict(found)


def bucket_deployment(template: Template, name: str) -> dict[str, Any]:
    [props] = [
        r["Properties"]
        for logical_id, r in template.of_type("Custom::CDKBucketDeployment").items()
        if logical_id.startswith(name)
    ]
    return dict(props)


def test_the_console_bucket_is_private_and_tls_only(dev: Template) -> None:
    bucket = console_bucket(dev)
    props = dev.props(bucket)
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in props
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [policy] = [p["Properties"] for p in dev.of_type("AWS::S3::BucketPolicy").values()]
    assert policy["Bucket"] == {"Ref": bucket}
    [deny] = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Action"] == "s3:*"
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": [bucket, "Arn"]} in deny["Resource"]
    assert {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]} in deny["Resource"]


def test_only_the_distribution_reads_the_bucket_through_its_origin_access_control(dev: Template) -> None:
    bucket = console_bucket(dev)
    distribution_id, config = distribution(dev)
    [policy] = [p["Properties"] for p in dev.of_type("AWS::S3::BucketPolicy").values()]
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    readers = [s for s in allows if "s3:GetObject" in s["Action"] or "s3:*" in s["Action"]]
    [reader] = readers
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reader["Action"] == "s3:GetObject"
    source = reader["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]
    assert source[-2:] == [":distribution/", {"Ref": distribution_id}]
    # The other grant is CDK's auto-delete handler's, which empties the bucket when the stack goes.
    for statement in allows:
        if statement is not reader:
            assert statement["Principal"]["AWS"]["Fn::GetAtt"][0].startswith("CustomS3AutoDeleteObjects")
            assert not any(action.startswith("s3:Get") and "Bucket" not in action for action in statement["Action"])
    [s3_origin] = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert s3_origin["DomainName"] == {"Fn::GetAtt": [bucket, "RegionalDomainName"]}
    assert s3_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    access_control_id = s3_origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    access_control = dev.props(access_control_id)["OriginAccessControlConfig"]
    assert access_control["OriginAccessControlOriginType"] == "s3"
    assert access_control["SigningBehavior"] == "always"
    assert access_control["SigningProtocol"] == "sigv4"


def test_everything_but_the_console_goes_to_the_api_uncached_with_every_method_and_header(dev: Template) -> None:
    default = distribution(dev)[1]["DefaultCacheBehavior"]
    api = origin(dev, default["TargetOriginId"])
    host = api["DomainName"]["Fn::Join"][1]
    assert host[:2] == [{"Ref": "RestAPI"}, ".execute-api."]
    chalice_config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert api["OriginPath"] == "/" + chalice_config["stages"]["dev"]["api_gateway_stage"]
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert default["CachePolicyId"] == CACHING_DISABLED
    # All viewer headers (Authorization, Idempotency-Key, ...) and query strings, but not Host.
    assert default["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(default["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert default["ViewerProtocolPolicy"] == "https-only"


@pytest.mark.parametrize("pattern", ["/console/*", "/console"])
def test_the_console_paths_go_to_the_bucket(dev: Template, pattern: str) -> None:
    console = behaviour(dev, pattern)
    assert "S3OriginConfig" in origin(dev, console["TargetOriginId"])
    assert set(console["AllowedMethods"]) == {"GET", "HEAD"}
    assert console["CachePolicyId"] == CACHING_OPTIMIZED
    assert console["ViewerProtocolPolicy"] == "redirect-to-https"
    [association] = console["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert association["FunctionARN"]["Fn::GetAtt"][0].startswith("ConsoleRoutes")
    assert console["ResponseHeadersPolicyId"]["Ref"].startswith("ConsoleHeaders")
    assert {b["PathPattern"] for b in distribution(dev)[1]["CacheBehaviors"]} == {"/console/*", "/console"}


def run_routes_function(template: Template, uri: str) -> dict[str, Any]:
    """The routes function's answer to a viewer request for `uri`, as node runs its source."""
    _, function = only(template, "AWS::CloudFront::Function")
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    node = shutil.which("node")
    assert node, "node is needed (as it is for the CDK)"
    event = {"request": {"method": "GET", "uri": uri, "querystring": {}, "headers": {}, "cookies": {}}}
    script = f"{function['FunctionCode']}\nprocess.stdout.write(JSON.stringify(handler({json.dumps(event)})));"
    result = subprocess.run(  # noqa: S603 (the stack's own function source, run by the CDK's node)
        [node, "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


@pytest.mark.parametrize(
    ("uri", "served"),
    [
        ("/console/", "/console/index.html"),
        ("/console/projects/p1/keys", "/console/index.html"),
        ("/console/callback", "/console/index.html"),
        ("/console/index.html", "/console/index.html"),
        ("/console/assets/x.js", "/console/assets/x.js"),
        ("/console/assets/index-abc.css", "/console/assets/index-abc.css"),
        ("/console/config.json", "/console/config.json"),
    ],
)
def test_the_single_page_apps_routes_are_answered_with_index_html(dev: Template, uri: str, served: str) -> None:
    assert run_routes_function(dev, uri)["uri"] == served


def test_console_without_a_slash_redirects_to_the_console(dev: Template) -> None:
    answer = run_routes_function(dev, "/console")
    assert answer["statusCode"] == 302
    assert answer["headers"]["location"] == {"value": "/console/"}


def console_headers(template: Template) -> dict[str, str]:
    """The headers the console's response headers policy sets, as a browser receives them."""
    [config] = [
        r["Properties"]["ResponseHeadersPolicyConfig"]
        for logical_id, r in template.of_type("AWS::CloudFront::ResponseHeadersPolicy").items()
        if logical_id.startswith("ConsoleHeaders")
    ]
    security = config["SecurityHeadersConfig"]
    assert all(setting["Override"] for setting in security.values())
    hsts = security["StrictTransportSecurity"]
    headers = {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if hsts["IncludeSubdomains"] else ""),
    }
    assert set(security) == {
        "ContentSecurityPolicy",
        "ContentTypeOptions",
        "FrameOptions",
        "ReferrerPolicy",
        "StrictTransportSecurity",
    }
    for custom in config.get("CustomHeadersConfig", {}).get("Items", []):
        assert custom["Override"]
        headers[custom["Header"]] = custom["Value"]
    return headers


COGNITO_DOMAIN = "https://acme.auth.us-east-1.amazoncognito.com"


@pytest.mark.parametrize(
    ("stage", "issuer", "also_connect"), [("dev", None, ()), ("prod", PROD_ISSUER, (COGNITO_DOMAIN,))]
)
def test_the_console_gets_the_local_stacks_csp_and_security_headers_and_hsts(
    request: pytest.FixtureRequest, stage: str, issuer: str | None, also_connect: tuple[str, ...]
) -> None:
    template: Template = request.getfixturevalue(stage)
    headers = console_headers(template)
    assert headers == {
        **SECURITY_HEADERS,
        "Content-Security-Policy": content_security_policy(issuer, also_connect),
        "Strict-Transport-Security": "max-age=63072000",
    }
    if issuer:
        connect = f"connect-src 'self' https://idp.example.com {COGNITO_DOMAIN};"
        assert connect in headers["Content-Security-Policy"]


def test_config_json_says_how_people_sign_in_to_the_stage(prod: Template) -> None:
    pages = bucket_deployment(prod, "ConsolePages")
    assert prod.outdir is not None
    staged = [prod.outdir / f"asset.{key.removesuffix('.zip')}" for key in pages["SourceObjectKeys"]]
    [config_dir] = [d for d in staged if (d / "config.json").is_file()]
    assert json.loads((config_dir / "config.json").read_text()) == {
        "auth": "oidc",
        "issuer": PROD_ISSUER,
        "client_id": "keywarden-console",
        "scope": "openid profile",
        "admin_group": "keywarden-admins",
    }
    [build_dir] = [d for d in staged if d != config_dir]
    assert (build_dir / "index.html").read_bytes() == (ROOT / "console" / "dist" / "index.html").read_bytes()


def test_hashed_assets_are_cached_for_a_year_and_the_pages_revalidated(dev: Template) -> None:
    assets = bucket_deployment(dev, "ConsoleAssets")
    pages = bucket_deployment(dev, "ConsolePages")
    bucket = {"Ref": console_bucket(dev)}
    assert assets["DestinationBucketName"] == pages["DestinationBucketName"] == bucket
    assert assets["DestinationBucketKeyPrefix"] == pages["DestinationBucketKeyPrefix"] == "console/"
    assert (assets["Exclude"], assets["Include"]) == (["*"], ["assets/*"])
    assert assets["SystemMetadata"] == {"cache-control": IMMUTABLE}
    # Old chunks stay for pages loaded before a deploy.
    assert assets["Prune"] is False
    assert pages["Exclude"] == ["assets/*"]
    assert pages["SystemMetadata"] == {"cache-control": "no-cache"}
    assert pages["Prune"] is True
    # index.html points at the new chunks only once they are there.
    [assets_id] = [name for name in dev.of_type("Custom::CDKBucketDeployment") if name.startswith("ConsoleAssets")]
    [pages_id] = [name for name in dev.of_type("Custom::CDKBucketDeployment") if name.startswith("ConsolePages")]
    assert assets_id in dev.resources[pages_id]["DependsOn"]


def test_outputs_name_the_console_and_both_ways_to_the_api(dev: Template) -> None:
    distribution_id, _ = distribution(dev)
    outputs = dev.body["Outputs"]
    domain = {"Fn::GetAtt": [distribution_id, "DomainName"]}
    assert outputs["ConsoleUrl"]["Value"] == {"Fn::Join": ["", ["https://", domain, "/console/"]]}
    assert outputs["FrontDoorApiUrl"]["Value"] == {"Fn::Join": ["", ["https://", domain]]}
    # API Gateway's own URL keeps working (clients and resource servers configured with it).
    api_url = outputs["ApiUrl"]["Value"]["Fn::Join"][1]
    assert api_url[:2] == ["https://", {"Ref": "RestAPI"}]
    assert api_url[-1] == "/api"


def test_a_custom_domain_gets_its_certificate_tls_1_2_and_the_outputs(prod: Template) -> None:
    _, config = distribution(prod)
    assert config["Aliases"] == ["keys.example.com"]
    certificate = config["ViewerCertificate"]
    assert certificate["AcmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
    assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate["SslSupportMethod"] == "sni-only"
    assert prod.body["Outputs"]["ConsoleUrl"]["Value"] == "https://keys.example.com/console/"
    assert prod.body["Outputs"]["FrontDoorApiUrl"]["Value"] == "https://keys.example.com"


def test_nothing_adds_cors_to_the_api(dev: Template, prod: Template) -> None:
    """The console is same-origin: no route, gateway answer or CloudFront policy may let another
    origin read the API's answers."""
    from app import app

    for path, methods in app.routes.items():
        for method, route in methods.items():
            assert not route.cors, (method, path)
    for template in (dev, prod):
        assert "access-control-" not in json.dumps(template.body).lower()
        for policy in template.of_type("AWS::CloudFront::ResponseHeadersPolicy").values():
            assert "CorsConfig" not in policy["Properties"]["ResponseHeadersPolicyConfig"]
        # Chalice answers preflights with an OPTIONS method on routes with CORS; there is none.
        for path, operations in template.props("RestAPI")["DefinitionBody"]["paths"].items():
            assert "options" not in operations, path
