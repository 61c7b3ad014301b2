"""Contains all the data models used in inputs/outputs"""

from .approve import Approve
from .audit_event import AuditEvent
from .audit_event_details import AuditEventDetails
from .audit_target import AuditTarget
from .batch_delete import BatchDelete
from .batch_deleted import BatchDeleted
from .claimed import Claimed
from .claimed_secret_type_0 import ClaimedSecretType0
from .claimed_secret_type_1 import ClaimedSecretType1
from .claimed_secrets import ClaimedSecrets
from .credits_balance import CreditsBalance
from .credits_change import CreditsChange
from .credits_change_op import CreditsChangeOp
from .credits_spec import CreditsSpec
from .credits_state import CreditsState
from .credits_update import CreditsUpdate
from .credits_view import CreditsView
from .delivery import Delivery
from .delivery_attempt import DeliveryAttempt
from .delivery_attempt_status import DeliveryAttemptStatus
from .delivery_event_type import DeliveryEventType
from .delivery_payload import DeliveryPayload
from .delivery_status import DeliveryStatus
from .deny import Deny
from .dev_token import DevToken
from .dev_token_request import DevTokenRequest
from .github_label import GithubLabel
from .github_label_label import GithubLabelLabel
from .health import Health
from .identity import Identity
from .identity_create import IdentityCreate
from .identity_create_meta import IdentityCreateMeta
from .identity_list_query import IdentityListQuery
from .identity_meta import IdentityMeta
from .identity_ref_view import IdentityRefView
from .identity_ref_view_meta import IdentityRefViewMeta
from .identity_update import IdentityUpdate
from .identity_update_meta import IdentityUpdateMeta
from .info_field import InfoField
from .info_field_view import InfoFieldView
from .introspect_request import IntrospectRequest
from .introspection import Introspection
from .introspection_token_type import IntrospectionTokenType
from .jwk import Jwk
from .jwk_alg import JwkAlg
from .jwk_crv import JwkCrv
from .jwk_kty import JwkKty
from .jwk_use import JwkUse
from .jwks import Jwks
from .key import Key
from .key_change import KeyChange
from .key_change_change import KeyChangeChange
from .key_create import KeyCreate
from .key_create_meta import KeyCreateMeta
from .key_create_type import KeyCreateType
from .key_exposed_action_type_0 import KeyExposedActionType0
from .key_issued import KeyIssued
from .key_issued_secret_type_0 import KeyIssuedSecretType0
from .key_issued_secret_type_1 import KeyIssuedSecretType1
from .key_list_query import KeyListQuery
from .key_list_query_status_type_0 import KeyListQueryStatusType0
from .key_list_query_type_type_0 import KeyListQueryTypeType0
from .key_meta import KeyMeta
from .key_policy_body import KeyPolicyBody
from .key_policy_body_allowed_types_type_0_item import KeyPolicyBodyAllowedTypesType0Item
from .key_policy_body_leak_action import KeyPolicyBodyLeakAction
from .key_policy_view import KeyPolicyView
from .key_policy_view_allowed_types_type_0_item import KeyPolicyViewAllowedTypesType0Item
from .key_policy_view_leak_action import KeyPolicyViewLeakAction
from .key_request import KeyRequest
from .key_request_status import KeyRequestStatus
from .key_status import KeyStatus
from .key_update import KeyUpdate
from .launch_sign import LaunchSign
from .launch_sign_params import LaunchSignParams
from .launch_signed import LaunchSigned
from .launch_verdict import LaunchVerdict
from .launch_verdict_code import LaunchVerdictCode
from .launch_verify import LaunchVerify
from .leak_received import LeakReceived
from .leak_report import LeakReport
from .leaks_document import LeaksDocument
from .limit_request import LimitRequest
from .list_keys_status import ListKeysStatus
from .list_keys_type import ListKeysType
from .list_query import ListQuery
from .list_requests_status import ListRequestsStatus
from .local_jwks_response_200 import LocalJwksResponse200
from .member import Member
from .member_put import MemberPut
from .member_put_role import MemberPutRole
from .member_role import MemberRole
from .my_request import MyRequest
from .my_request_status import MyRequestStatus
from .node import Node
from .node_create import NodeCreate
from .node_create_kind import NodeCreateKind
from .node_kind import NodeKind
from .openapi_document_response_200 import OpenapiDocumentResponse200
from .page_audit_event import PageAuditEvent
from .page_delivery import PageDelivery
from .page_identity import PageIdentity
from .page_key import PageKey
from .page_key_change import PageKeyChange
from .page_key_request import PageKeyRequest
from .page_member import PageMember
from .page_node import PageNode
from .page_policy_breach import PagePolicyBreach
from .page_project import PageProject
from .page_revoked_key import PageRevokedKey
from .page_role import PageRole
from .page_template import PageTemplate
from .page_webhook import PageWebhook
from .policy_breach import PolicyBreach
from .policy_breach_rules_item import PolicyBreachRulesItem
from .policy_breach_status import PolicyBreachStatus
from .policy_breach_type import PolicyBreachType
from .problem import Problem
from .problem_field_error import ProblemFieldError
from .project import Project
from .project_create import ProjectCreate
from .project_update import ProjectUpdate
from .project_usage_granularity import ProjectUsageGranularity
from .rate_limit_spec import RateLimitSpec
from .rate_limit_state import RateLimitState
from .refill_spec import RefillSpec
from .refill_spec_interval import RefillSpecInterval
from .request_create import RequestCreate
from .request_list_query import RequestListQuery
from .request_list_query_status_type_0 import RequestListQueryStatusType0
from .reroll import Reroll
from .revoked_key import RevokedKey
from .revoked_query import RevokedQuery
from .role import Role
from .role_create import RoleCreate
from .role_update import RoleUpdate
from .run_job_now_response_200 import RunJobNowResponse200
from .secret_info import SecretInfo
from .secret_list import SecretList
from .secret_rotate import SecretRotate
from .secret_rotated import SecretRotated
from .secret_value import SecretValue
from .signing_key_rotated import SigningKeyRotated
from .template import Template
from .template_create import TemplateCreate
from .template_create_type import TemplateCreateType
from .template_type import TemplateType
from .template_update import TemplateUpdate
from .template_update_type import TemplateUpdateType
from .usage import Usage
from .usage_granularity import UsageGranularity
from .usage_point import UsagePoint
from .usage_point_by_code import UsagePointByCode
from .usage_query import UsageQuery
from .usage_query_granularity import UsageQueryGranularity
from .usage_totals import UsageTotals
from .verifier_config import VerifierConfig
from .verify_hmac import VerifyHmac
from .verify_hmac_headers import VerifyHmacHeaders
from .verify_key import VerifyKey
from .verify_result import VerifyResult
from .verify_result_code import VerifyResultCode
from .verify_result_meta import VerifyResultMeta
from .webhook import Webhook
from .webhook_create import WebhookCreate
from .webhook_create_events_item import WebhookCreateEventsItem
from .webhook_created import WebhookCreated
from .webhook_events_item import WebhookEventsItem
from .webhook_secret_rotated import WebhookSecretRotated
from .webhook_update import WebhookUpdate
from .webhook_update_events_item import WebhookUpdateEventsItem

__all__ = (
    "Approve",
    "AuditEvent",
    "AuditEventDetails",
    "AuditTarget",
    "BatchDelete",
    "BatchDeleted",
    "Claimed",
    "ClaimedSecrets",
    "ClaimedSecretType0",
    "ClaimedSecretType1",
    "CreditsBalance",
    "CreditsChange",
    "CreditsChangeOp",
    "CreditsSpec",
    "CreditsState",
    "CreditsUpdate",
    "CreditsView",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryAttemptStatus",
    "DeliveryEventType",
    "DeliveryPayload",
    "DeliveryStatus",
    "Deny",
    "DevToken",
    "DevTokenRequest",
    "GithubLabel",
    "GithubLabelLabel",
    "Health",
    "Identity",
    "IdentityCreate",
    "IdentityCreateMeta",
    "IdentityListQuery",
    "IdentityMeta",
    "IdentityRefView",
    "IdentityRefViewMeta",
    "IdentityUpdate",
    "IdentityUpdateMeta",
    "InfoField",
    "InfoFieldView",
    "Introspection",
    "IntrospectionTokenType",
    "IntrospectRequest",
    "Jwk",
    "JwkAlg",
    "JwkCrv",
    "JwkKty",
    "Jwks",
    "JwkUse",
    "Key",
    "KeyChange",
    "KeyChangeChange",
    "KeyCreate",
    "KeyCreateMeta",
    "KeyCreateType",
    "KeyExposedActionType0",
    "KeyIssued",
    "KeyIssuedSecretType0",
    "KeyIssuedSecretType1",
    "KeyListQuery",
    "KeyListQueryStatusType0",
    "KeyListQueryTypeType0",
    "KeyMeta",
    "KeyPolicyBody",
    "KeyPolicyBodyAllowedTypesType0Item",
    "KeyPolicyBodyLeakAction",
    "KeyPolicyView",
    "KeyPolicyViewAllowedTypesType0Item",
    "KeyPolicyViewLeakAction",
    "KeyRequest",
    "KeyRequestStatus",
    "KeyStatus",
    "KeyUpdate",
    "LaunchSign",
    "LaunchSigned",
    "LaunchSignParams",
    "LaunchVerdict",
    "LaunchVerdictCode",
    "LaunchVerify",
    "LeakReceived",
    "LeakReport",
    "LeaksDocument",
    "LimitRequest",
    "ListKeysStatus",
    "ListKeysType",
    "ListQuery",
    "ListRequestsStatus",
    "LocalJwksResponse200",
    "Member",
    "MemberPut",
    "MemberPutRole",
    "MemberRole",
    "MyRequest",
    "MyRequestStatus",
    "Node",
    "NodeCreate",
    "NodeCreateKind",
    "NodeKind",
    "OpenapiDocumentResponse200",
    "PageAuditEvent",
    "PageDelivery",
    "PageIdentity",
    "PageKey",
    "PageKeyChange",
    "PageKeyRequest",
    "PageMember",
    "PageNode",
    "PagePolicyBreach",
    "PageProject",
    "PageRevokedKey",
    "PageRole",
    "PageTemplate",
    "PageWebhook",
    "PolicyBreach",
    "PolicyBreachRulesItem",
    "PolicyBreachStatus",
    "PolicyBreachType",
    "Problem",
    "ProblemFieldError",
    "Project",
    "ProjectCreate",
    "ProjectUpdate",
    "ProjectUsageGranularity",
    "RateLimitSpec",
    "RateLimitState",
    "RefillSpec",
    "RefillSpecInterval",
    "RequestCreate",
    "RequestListQuery",
    "RequestListQueryStatusType0",
    "Reroll",
    "RevokedKey",
    "RevokedQuery",
    "Role",
    "RoleCreate",
    "RoleUpdate",
    "RunJobNowResponse200",
    "SecretInfo",
    "SecretList",
    "SecretRotate",
    "SecretRotated",
    "SecretValue",
    "SigningKeyRotated",
    "Template",
    "TemplateCreate",
    "TemplateCreateType",
    "TemplateType",
    "TemplateUpdate",
    "TemplateUpdateType",
    "Usage",
    "UsageGranularity",
    "UsagePoint",
    "UsagePointByCode",
    "UsageQuery",
    "UsageQueryGranularity",
    "UsageTotals",
    "VerifierConfig",
    "VerifyHmac",
    "VerifyHmacHeaders",
    "VerifyKey",
    "VerifyResult",
    "VerifyResultCode",
    "VerifyResultMeta",
    "Webhook",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookCreateEventsItem",
    "WebhookEventsItem",
    "WebhookSecretRotated",
    "WebhookUpdate",
    "WebhookUpdateEventsItem",
)
