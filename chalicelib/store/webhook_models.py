"""The tables of webhooks: the subscribed endpoints, the outbox of events to announce, and the
deliveries of each event to each endpoint."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import KeywardenModel


class WebhookModel(KeywardenModel):
    """An endpoint subscribed to a project's events, with its signing secret sealed."""

    logical_name = "webhooks"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    url = UnicodeAttribute()
    events = ListAttribute(of=UnicodeAttribute, default=list)
    description = UnicodeAttribute(default="")
    enabled = BooleanAttribute(default=True)
    # Why the dispatcher turned it off (an endpoint that answered 410 Gone), until re-enabled.
    disabled_reason = UnicodeAttribute(null=True)
    sealed_secret = UnicodeAttribute()
    # After a rotation the previous secret signs too, until then (epoch seconds).
    previous_sealed_secret = UnicodeAttribute(null=True)
    previous_valid_until = NumberAttribute(null=True)
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class UnsentEventsIndex(GlobalSecondaryIndex["OutboxModel"]):  # type: ignore[no-untyped-call]
    """Sparse: only events not yet fanned out to deliveries have `unsent`."""

    class Meta:
        index_name = "unsent"
        projection = KeysOnlyProjection()

    unsent = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class OutboxModel(KeywardenModel):
    """Domain events to announce by webhook, written in the transaction of the change that
    caused them (a transactional outbox). The dispatcher fans each out to one delivery per
    subscribed endpoint; deployed, the table's stream starts it at once."""

    logical_name = "webhook-outbox"

    class Meta(KeywardenModel.Meta):
        # The stream handler (app.webhook_events) needs only the new item's key.
        stream_view_type = "KEYS_ONLY"

    id = UnicodeAttribute(hash_key=True)  # time-ordered, `obx_`
    project_id = UnicodeAttribute()
    # [{id (the webhook-id), type, timestamp, data}]: a bulk change announces each item.
    messages = JSONAttribute()
    created_at = NumberAttribute()
    unsent = UnicodeAttribute(null=True)
    unsent_events = UnsentEventsIndex()
    expires_at = TTLAttribute(null=True)


class DueDeliveriesIndex(GlobalSecondaryIndex["DeliveryModel"]):  # type: ignore[no-untyped-call]
    """Sparse: only deliveries waiting for an attempt have `due`, ordered by when."""

    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due = UnicodeAttribute(hash_key=True)
    next_attempt_at = NumberAttribute(range_key=True)


class DeliveryModel(KeywardenModel):
    """One event's delivery to one endpoint, with every attempt made."""

    logical_name = "webhook-deliveries"

    class Meta(KeywardenModel.Meta):
        pass

    webhook_id = UnicodeAttribute(hash_key=True)
    # `dlv_` + the message id's time-ordered part: listing by id is newest first reversed,
    # and one message makes at most one delivery per endpoint (created on condition).
    id = UnicodeAttribute(range_key=True)
    project_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    payload = UnicodeAttribute()  # the exact JSON body every attempt sends (never a secret)
    status = UnicodeAttribute()  # pending | succeeded | failed
    attempts = JSONAttribute(default=list)
    attempt_count = NumberAttribute(default=0)
    next_attempt_at = NumberAttribute(null=True)
    due = UnicodeAttribute(null=True)
    due_deliveries = DueDeliveriesIndex()
    # A dispatcher holds a delivery while it sends it, so two never send it at once.
    lease = UnicodeAttribute(null=True)
    leased_until = NumberAttribute(null=True)
    # Queued again by hand: one more attempt, no further schedule.
    manual = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)
