"""The verdicts of tools/mutate_conditions.py on the mutants no single test can kill.

COMBINED: guards that cover for each other in one transaction, removed together so that the
race they share shows its test. EXPLAINED: each surviving mutant, keyed by (file, function,
mutation), with why no test can kill it and which other condition covers the case. A survivor
missing here fails `make mutation`: write its race test, or say here why there can be none.
"""

from __future__ import annotations

# Guards that cover for each other: each survives alone, so they are removed together to show
# that the test of the race they share does fail without them. (description, mutants by key)
COMBINED: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "create_project's ProjectModel.id.does_not_exist() and the secrets' AppSecretModel.name.does_not_exist() "
        "removed together",
        [
            ("projects.py", "create_project", "condition removed: ProjectModel.id.does_not_exist()"),
            ("secrets.py", "initial_items", "condition removed: AppSecretModel.name.does_not_exist()"),
        ],
    ),
]

# Survivors no test can kill, keyed by (file, function, mutation): why, and what covers the case.
_LOOKUP_ALWAYS_THERE = (
    "equivalent: a key's lookup item is saved in the transaction that saves the key and nothing ever deletes "
    "one, so it exists whenever this update runs; only deleting it by hand would show the difference (a race "
    "once a job purges lookup items)"
)
EXPLAINED: dict[tuple[str, str, str], str] = {
    ("replay.py", "first_sighting", "< -> <=: ReplayMarkModel.until < at"): (
        "equivalent: a mark's until is its request's date + 301 s, and a request is refused as stale once "
        "|now - date| > 300 s, before any mark is written; so no request that reaches the write has "
        "at == until or later for its own mark, and a different mark's until equal to `at` to the float is "
        "no more reachable than any other instant"
    ),
    ("signing_keys.py", "add_successor", "condition removed: SigningKeyModel.kid.does_not_exist()"): (
        "equivalent: the new kid is the thumbprint of a KMS key created by this very rotation, so it "
        "collides with an existing item only if KMS handed out a public key twice; the successor condition "
        "on the head (same transaction) is what serializes rotations"
    ),
    ("signing_keys.py", "cover", "< -> <=: SigningKeyModel.valid_until < expires_at"): (
        "equivalent: with equal values the write sets what is already there"
    ),
    ("key_lookup.py", "set_expiry", "condition removed: KeyLookupModel.digest.exists()"): _LOOKUP_ALWAYS_THERE,
    ("key_lookup.py", "set_revoked", "condition removed: KeyLookupModel.digest.exists()"): _LOOKUP_ALWAYS_THERE,
    ("key_lookup.py", "set_owner_permitted", "condition removed: KeyLookupModel.digest.exists()"): (
        _LOOKUP_ALWAYS_THERE
    ),
    ("key_holders.py", "remove_keys", "condition removed: KeyHolderModel.owner_id.exists()"): (
        "equivalent: the holder item is created by the ADD in the transaction that issues the owner's key and "
        "never deleted, so it exists whenever one of their keys is revoked"
    ),
    ("key_revocation.py", "add_revocations", "condition removed: RoleModel.id.exists()"): (
        "redundant: a live key's role cannot be gone. delete_role needs ref_count == 0 (roles.py), every issue "
        "adds 1 on condition the role exists (keys.py add_key_items), and a key is counted off once "
        "(ApiKeyModel.revoked_at.does_not_exist() in the same transaction)"
    ),
    ("key_holders.py", "_holder_unchanged", "operand of | dropped: KeyHolderModel.version == 0"): (
        "equivalent: no stored holder has version 0 (the item is only ever made by version.add(1)), so "
        "'does not exist or version == 0' and 'does not exist' hold for the same items"
    ),
    ("projects.py", "create_project", "condition removed: ProjectModel.id.does_not_exist()"): (
        "redundant: a colliding project id also collides on the project's app secrets "
        "(AppSecretModel.name.does_not_exist() in secrets.initial_items, same transaction); the COMBINED mutant "
        "removing both is killed"
    ),
    ("secrets.py", "initial_items", "condition removed: AppSecretModel.name.does_not_exist()"): (
        "redundant: the secrets are keyed by the new project's id, so they collide only when "
        "ProjectModel.id.does_not_exist() (create_project, same transaction) fails too; the COMBINED mutant "
        "removing both is killed"
    ),
    ("projects.py", "create_project", "condition removed: MemberModel.user_id.does_not_exist()"): (
        "redundant: the owner's membership is keyed by (new project id, creator), so it collides only when "
        "ProjectModel.id.does_not_exist() and AppSecretModel.name.does_not_exist() fail in the same transaction"
    ),
    ("projects.py", "live", "operand of & dropped: ProjectModel.deleted_at.does_not_exist()"): (
        "redundant: deleted_at is only ever set on condition ProjectModel.deleting_at.exists() (finish_deletion, the "
        "deletion's last step) and deleting_at is never removed, so deleting_at.does_not_exist() already fails for it"
    ),
    ("projects.py", "finish_deletion", "operand of & dropped: ProjectModel.deleting_at.exists()"): (
        "equivalent: the last step runs only after step 1 set deleting_at (on condition live(), so the item "
        "exists) or on a project read with deleting_at stored; deleting_at is never removed and projects are "
        "never deleted for good"
    ),
    ("roles.py", "delete_role", "operand of & dropped: RoleModel.id.exists()"): (
        "equivalent: RoleModel.ref_count == 0 is false on a missing item (the attribute is absent), so the "
        "conjunction and ref_count == 0 alone fail for the same items"
    ),
    ("secrets.py", "_rotate_service_key_lookup", "condition removed: ServiceKeyModel.digest.exists()"): (
        "redundant: the current value's lookup item is removed only by a rotation without grace (which bumps "
        "the version: AppSecretModel.version == secret.version fails in the same transaction) or by a deletion's "
        "last step (after deleting_at: project_is_live fails in the same transaction)"
    ),
    ("key_requests.py", "add_new_request", "operand of | dropped: KeyRequestTileModel.slot.does_not_exist()"): (
        "equivalent: a missing tile has no status, and `status <> :pending` holds for a missing attribute (in "
        "DynamoDB as in moto, a missing value equals nothing), so the next operand already lets a first request in"
    ),
    ("deliveries.py", "lease", "operand of & dropped: DeliveryModel.status == PENDING"): (
        "redundant: a delivery has next_attempt_at exactly while it is pending (create and requeue set both; "
        "record_attempt sets it only with PENDING and removes it with any other status, in the same update), and "
        "DeliveryModel.next_attempt_at <= at fails on a missing attribute"
    ),
    ("deliveries.py", "lease", "< -> <=: DeliveryModel.leased_until < at"): (
        "equivalent: it moves the takeover of a lapsed lease by one instant (at == leased_until, to the float); the "
        "holder's send gives up within 15 s of its 60 s lease, and whoever records the attempt needs its own lease "
        "token (DeliveryModel.lease == delivery.lease in record_attempt), so no order of the two can tell"
    ),
    ("usage_totals.py", "put", "<= -> <: UsageTotalModel.total <= total"): (
        "equivalent: raw counters only grow, so two sums over them with the same total are the same counts; "
        "refusing to rewrite an equal total leaves exactly what is there (the rollup counts it as not written, "
        "which only its summary shows)"
    ),
    ("usage_totals.py", "set_last_used", "< -> <=: ApiKeyModel.last_used_at < stamp"): (
        "equivalent: it only allows rewriting last_used_at with the same stamp it already holds; the "
        "never-backwards race is killed by the `<` itself (test_races_usage.py)"
    ),
    ("key_expiry.py", "_as_read", "operand of & dropped: ApiKeyModel.id.exists()"): (
        "equivalent: key items are never deleted (revocation keeps them), so a key the sweep read still exists "
        "when it writes; without the operand an update of a missing key would create a stub, which no path can reach"
    ),
}
