from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="VerifierConfig")


@_attrs_define
class VerifierConfig:
    """What a resource server's verifier needs to check JWT keys offline for this service key's project.

    Attributes:
        cache_ttl_seconds (float): How long the service may answer from its cache after a change
        issuer (str): JWT keys' `iss`
        jwks_uri (str): Where the signing keys are published (a path on this service)
        key_changes_uri (str): The feed to poll (a path on this service)
        project_id (str): The project whose keys verify: JWT keys' `aud`
    """

    cache_ttl_seconds: float
    issuer: str
    jwks_uri: str
    key_changes_uri: str
    project_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cache_ttl_seconds = self.cache_ttl_seconds

        issuer = self.issuer

        jwks_uri = self.jwks_uri

        key_changes_uri = self.key_changes_uri

        project_id = self.project_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cache_ttl_seconds": cache_ttl_seconds,
                "issuer": issuer,
                "jwks_uri": jwks_uri,
                "key_changes_uri": key_changes_uri,
                "project_id": project_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cache_ttl_seconds = d.pop("cache_ttl_seconds")

        issuer = d.pop("issuer")

        jwks_uri = d.pop("jwks_uri")

        key_changes_uri = d.pop("key_changes_uri")

        project_id = d.pop("project_id")

        verifier_config = cls(
            cache_ttl_seconds=cache_ttl_seconds,
            issuer=issuer,
            jwks_uri=jwks_uri,
            key_changes_uri=key_changes_uri,
            project_id=project_id,
        )

        verifier_config.additional_properties = d
        return verifier_config

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
