"""Webhooks, through a real HTTP receiver on loopback that fails, then recovers: each
message arrives once delivered, signed as the Standard Webhooks reference library
verifies, in order per registration, retried with backoff, and an endpoint failing for
more than a day switched off with a notice. What is sent commits or rolls back with the
change; an endpoint hears only of the events its owner may see, and names people only
when asked to. Then the organizer's pages."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

from events.extensions import db
from events.messages.compose import render
from events.messages.webhooks import (
    DISABLE_AFTER,
    deliver_webhooks,
    deliver_webhooks_due,
    disable_endpoint,
    retry_delay,
    sign,
)
from events.models import (
    DeliveryStatus,
    EventStatus,
    GroupMode,
    OutboxMessage,
    RegistrationMode,
    Role,
    ScanMethod,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookKind,
    utcnow,
)
from events.services.checkin.door import Actor, door_request
from events.services.checkin.walk_ins import WalkIn, add_walk_in
from events.services.event_changes import Schedule, cancel_event
from events.services.groups import Coordinator, Member, register_group
from events.services.registration import (
    approve_registration,
    cancel_registration,
    decline_registration,
    register_attendee,
)
from events.services.webhooks import create_endpoint, enable_endpoint
from events.unit_of_work import command
from tests.conftest import csrf_token
from tests.factories import (
    attendee,
    check_in_at,
    make_event,
    make_organization,
    make_user,
    reschedule,
)

PASSWORD = "bardzo-tajne-haslo"
ALL_KINDS = [kind.value for kind in WebhookKind]


class Receiver:
    """An HTTP server on 127.0.0.1 that records each request and answers with the next
    status of `answers` (200 once they run out)."""

    def __init__(self):
        self.requests = []
        self.answers = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.requests.append((headers, body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                answer = b"ok" if status < 300 else b"receiver down for maintenance"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.requests]

    def kinds(self) -> list[str]:
        return [body["type"] for body in self.bodies()]


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def endpoint_for(user, url, kinds=None, personal_data=False) -> WebhookEndpoint:
    return create_endpoint(user, url, "", kinds or ALL_KINDS, personal_data)


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


# Delivery ---------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_and_arrives_signed_once(ctx, receiver):
    endpoint = endpoint_for(make_user(), receiver.url)
    secret = endpoint.secret
    assert secret.startswith("whsec_")
    registration = register_attendee(make_event().id, attendee())
    receiver.answers = [500]

    now = utcnow()
    report = deliver_webhooks(now=now)
    assert (report.delivered, report.retrying) == (0, 1)
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.response_status == 500
    assert delivery.response_excerpt == "receiver down for maintenance"
    assert delivery.next_attempt_at == now + timedelta(minutes=1)

    assert deliver_webhooks(now=now + timedelta(seconds=30)).tried == 0  # not due yet
    later = now + timedelta(minutes=1, seconds=1)
    assert deliver_webhooks(now=later).delivered == 1
    assert deliver_webhooks_due(now=later + timedelta(days=2)).tried == 0  # never again

    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first[0]["webhook-id"] == second[0]["webhook-id"] == delivery.message_id
    headers, body = second
    assert headers["content-type"] == "application/json"
    assert headers["webhook-timestamp"] == str(int(later.timestamp()))
    payload = Webhook(secret).verify(body, headers)  # the reference algorithm
    assert payload["type"] == "registration.created"
    assert payload["data"]["registration"] == {
        "id": registration.id, "status": "confirmed", "checked_in": False, "walk_in": False,
        "group_id": None,
    }  # fmt: skip
    assert payload["data"]["event"]["slug"] == registration.event.slug
    assert payload["data"]["counts"]["confirmed"] == 1
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2


def test_a_tampered_body_or_another_secret_does_not_verify(ctx):
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"type":"webhook.ping"}'
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(utcnow().timestamp())),
        "webhook-signature": sign(secret, "msg_1", int(utcnow().timestamp()), body),
    }
    Webhook(secret).verify(body, headers)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the library's own error
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(Exception):  # noqa: B017, PT011
        Webhook("whsec_" + "A" * 43 + "=").verify(body, headers)


def test_the_backoff_grows_from_a_minute_to_ten_hours():
    delays = [retry_delay(attempts) for attempts in range(1, 9)]
    minutes = [delay.total_seconds() / 60 for delay in delays]
    assert minutes == [1, 5, 30, 120, 300, 600, 600, 600]


def test_the_order_per_registration_holds_while_others_go_on(ctx, receiver):
    endpoint_for(make_user(), receiver.url)
    event = make_event()
    first = register_attendee(event.id, attendee())
    cancel_registration(first.id)
    other = register_attendee(event.id, attendee())
    receiver.answers = [500]  # the first registration's first message fails

    now = utcnow()
    report = deliver_webhooks(now=now)
    assert (report.delivered, report.retrying) == (1, 1)  # the other one's went on
    assert receiver.kinds() == ["registration.created", "registration.created"]
    assert receiver.bodies()[1]["data"]["registration"]["id"] == other.id
    # The cancellation waits for the creation, however long it takes.
    assert deliver_webhooks_due(now=now + timedelta(seconds=30)).tried == 0

    deliver_webhooks_due(now=now + timedelta(minutes=2))
    sent = [(body["type"], body["data"]["registration"]["id"]) for body in receiver.bodies()]
    assert sent[2:] == [("registration.created", first.id), ("registration.cancelled", first.id)]
    assert all(delivery.status == DeliveryStatus.DELIVERED for delivery in deliveries())


def test_an_endpoint_failing_for_a_day_is_switched_off_with_a_notice(ctx, receiver):
    owner = make_user()
    endpoint = endpoint_for(owner, receiver.url)
    event = make_event()
    register_attendee(event.id, attendee())
    receiver.answers = [503] * 100

    start = now = utcnow()
    for _ in range(20):
        report = deliver_webhooks(now=now)
        if report.disabled:
            break
        [delivery] = deliveries()
        now = delivery.next_attempt_at
    assert report.disabled == [endpoint.id]
    assert now - start > DISABLE_AFTER
    db.session.refresh(endpoint)
    assert not endpoint.active and endpoint.disabled_at == now
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == len(receiver.requests)
    [notice] = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "webhook_disabled")
    ).all()
    assert notice.recipient == owner.email

    register_attendee(event.id, attendee())  # while it is off: nothing is stored for it
    assert len(deliveries()) == 1
    assert deliver_webhooks_due(now=now + timedelta(days=1)).tried == 0

    receiver.answers = []  # the receiver works again
    assert enable_endpoint(owner, endpoint.id, now=now)
    assert deliver_webhooks_due(now=now).delivered == 1
    db.session.refresh(endpoint)
    assert endpoint.active and endpoint.failing_since is None


def test_a_success_in_between_resets_the_day(ctx, receiver):
    endpoint = endpoint_for(make_user(), receiver.url)
    event = make_event()
    register_attendee(event.id, attendee())
    now = utcnow()
    receiver.answers = [500]
    assert deliver_webhooks(now=now).retrying == 1
    assert deliver_webhooks(now=now + timedelta(minutes=2)).delivered == 1
    register_attendee(event.id, attendee())
    receiver.answers = [500]
    deliver_webhooks(now=now + DISABLE_AFTER + timedelta(hours=1))
    db.session.refresh(endpoint)
    assert endpoint.active
    assert endpoint.failing_since == now + DISABLE_AFTER + timedelta(hours=1)


def test_the_worker_delivers_webhooks_too(app, ctx, receiver):
    endpoint_for(make_user(), receiver.url)
    register_attendee(make_event().id, attendee())
    result = app.test_cli_runner().invoke(args=["outbox-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "webhooks delivered 1" in result.output
    assert receiver.kinds() == ["registration.created"]


# What is told, to whom --------------------------------------------------------------


def test_each_kind_is_told(ctx, receiver):
    endpoint_for(make_user(), receiver.url)
    event = make_event(capacity=1, waitlist_enabled=True)
    seated = register_attendee(event.id, attendee())
    waiting = register_attendee(event.id, attendee())
    cancel_registration(seated.id)  # the waiting one is promoted
    check_in_at(event, waiting.id, utcnow())
    by_approval = make_event(mode=RegistrationMode.APPROVAL)
    accepted = register_attendee(by_approval.id, attendee())
    declined = register_attendee(by_approval.id, attendee())
    approve_registration(accepted.id)
    decline_registration(declined.id)
    reschedule(event.id, Schedule(event.starts_at, event.ends_at + timedelta(hours=1), "Sala", ""))
    cancel_event(by_approval.id)

    told = [(d.kind, d.ordering_key) for d in deliveries()]
    assert told == [
        ("registration.created", f"registration:{seated.id}"),
        ("registration.created", f"registration:{waiting.id}"),
        ("registration.cancelled", f"registration:{seated.id}"),
        ("registration.promoted", f"registration:{waiting.id}"),
        ("checkin.created", f"registration:{waiting.id}"),
        ("registration.created", f"registration:{accepted.id}"),
        ("registration.created", f"registration:{declined.id}"),
        ("registration.confirmed", f"registration:{accepted.id}"),
        ("registration.declined", f"registration:{declined.id}"),
        ("event.updated", f"event:{event.id}"),
        ("event.cancelled", f"event:{by_approval.id}"),
    ]
    by_kind = {d.kind: d.payload["data"] for d in deliveries()}
    assert by_kind["checkin.created"]["check_in"]["method"] == "search"
    assert by_kind["checkin.created"]["registration"]["checked_in"] is True
    assert by_kind["event.cancelled"]["event"]["status"] == EventStatus.CANCELLED.value
    assert by_kind["registration.promoted"]["counts"]["confirmed"] == 1
    deliver_webhooks_due()
    assert len(receiver.requests) == len(told)


def test_only_the_kinds_subscribed_to_are_stored(ctx):
    endpoint_for(make_user(), "http://127.0.0.1:9/", kinds=["event.cancelled"])
    event = make_event()
    register_attendee(event.id, attendee())
    cancel_event(event.id)
    assert [d.kind for d in deliveries()] == ["event.cancelled"]


def test_a_change_rolled_back_leaves_no_delivery(ctx):
    endpoint_for(make_user(), "http://127.0.0.1:9/")
    event = make_event()

    @command
    def register_then_fail():
        register_attendee(event.id, attendee())
        raise RuntimeError("the request failed after registering")

    with pytest.raises(RuntimeError):
        register_then_fail()
    assert deliveries() == []
    taken = attendee()
    register_attendee(event.id, taken)
    with pytest.raises(Exception):  # noqa: B017, PT011 - a duplicate, refused
        register_attendee(event.id, taken)
    assert [d.kind for d in deliveries()] == ["registration.created"]


def test_without_the_personal_data_flag_no_one_is_named(ctx, receiver):
    endpoint_for(make_user("anon@example.org"), receiver.url, personal_data=False)
    endpoint_for(make_user("named@example.org"), receiver.url, personal_data=True)
    person = attendee(first_name="Bożena", last_name="Kowalczyk", organization="Koło Gospodyń")
    register_attendee(make_event().id, person)
    deliver_webhooks_due()
    anonymous, named = receiver.requests
    for word in ("Bożena", "Kowalczyk", "Koło", person.email):
        assert word.encode() not in anonymous[1]
    assert set(json.loads(anonymous[1])["data"]["registration"]) == {
        "id", "status", "checked_in", "walk_in", "group_id",
    }  # fmt: skip
    data = json.loads(named[1])["data"]["registration"]
    assert (data["first_name"], data["last_name"], data["email"], data["organization"]) == (
        "Bożena", "Kowalczyk", person.email, "Koło Gospodyń",
    )  # fmt: skip


def test_a_partner_organizer_hears_only_of_events_they_may_see(ctx):
    p, q, c = make_organization("P"), make_organization("Q"), make_organization("C")
    hooks = {
        name: endpoint_for(make_user(f"{name}@example.org", PASSWORD, role, org), "http://127.0.0.1:9/")
        for name, role, org in (
            ("p", Role.ORGANIZER, p), ("q", Role.ORGANIZER, q), ("c", Role.ORGANIZER, c),
            ("coordinator", Role.COORDINATOR, make_organization()),
        )
    }  # fmt: skip
    staff = make_user("staff@example.org", PASSWORD, Role.STAFF, p)
    db.session.add(WebhookEndpoint(user_id=staff.id, url="http://127.0.0.1:9/", kinds=ALL_KINDS,
                                   secret="whsec_" + "A" * 43 + "="))  # fmt: skip
    db.session.commit()
    p_event = make_event(organization=p)
    p_event.coorganizers = [c]
    db.session.commit()
    register_attendee(p_event.id, attendee())
    register_attendee(make_event(organization=q).id, attendee())

    heard = {name: [] for name in hooks}
    for delivery in deliveries():
        name = next(n for n, hook in hooks.items() if hook.id == delivery.endpoint_id)
        heard[name].append(delivery.payload["data"]["event"]["id"])
    q_event_id = heard["q"][0]
    assert heard["p"] == [p_event.id]
    assert heard["c"] == [p_event.id]  # it co-organizes P's event
    assert heard["q"] == [q_event_id] and q_event_id != p_event.id
    assert sorted(heard["coordinator"]) == sorted([p_event.id, q_event_id])
    assert len(deliveries()) == 5  # door staff hear of nothing


# The pages ----------------------------------------------------------------------------


def organizer_client(app, email, role=Role.ORGANIZER, organization="P"):
    with app.app_context():
        make_user(email, PASSWORD, role, make_organization(organization))
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def test_a_bad_address_gets_a_message_next_to_its_field(app):
    client = organizer_client(app, "p@example.org")
    token = csrf_token(client, "/organizer/webhooks/new")
    response = client.post(
        "/organizer/webhooks/new",
        data={"url": "ftp://example.org/hook", "kinds": [], "csrf_token": token},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="error-summary"' in html
    message = "Give an address that starts with http:// or https://."
    assert message in html[html.index('id="url-error"') :][:300]
    assert "Choose what the webhook hears of." in html[html.index('id="kinds-error"') :][:300]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_an_organizer_makes_a_webhook_pings_it_and_reads_the_log(app, receiver):
    client = organizer_client(app, "p@example.org")
    token = csrf_token(client, "/organizer/webhooks/new")
    response = client.post(
        "/organizer/webhooks/new",
        data={
            "url": receiver.url, "description": "Arkusz", "csrf_token": token,
            "kinds": ["registration.created", "checkin.created"],
        },
    )  # fmt: skip
    assert response.status_code == 302
    page = response.headers["Location"]
    with app.app_context():
        endpoint = db.session.scalar(sa.select(WebhookEndpoint))
        secret = endpoint.secret
        assert endpoint.kinds == ["registration.created", "checkin.created"]
        assert not endpoint.personal_data
    assert secret in client.get(page).get_data(as_text=True)
    assert client.get("/organizer/webhooks").get_data(as_text=True).count(receiver.url) == 1

    assert client.post(f"{page}/ping").status_code == 400  # no CSRF token
    client.post(f"{page}/ping", data={"csrf_token": csrf_token(client, page)})
    with app.app_context():
        receiver.answers = [418]
        deliver_webhooks()
    headers, body = receiver.requests[0]
    assert Webhook(secret).verify(body, headers)["type"] == "webhook.ping"
    html = client.get(page).get_data(as_text=True)
    assert "webhook.ping" in html and "<strong>418</strong>" in html

    token = csrf_token(client, f"{page}/delete")
    assert client.post(f"{page}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0
    assert client.get(page).status_code == 404


def test_another_organizer_cannot_open_your_webhook(app):
    with app.app_context():
        owner = make_user("p@example.org", PASSWORD, Role.ORGANIZER, make_organization("P"))
        endpoint_id = endpoint_for(owner, "https://example.org/hook").id
    other = organizer_client(app, "p2@example.org")  # the same organization, another account
    coordinator = organizer_client(app, "koordynator@example.org", Role.COORDINATOR, "DR")
    for client in (other, coordinator):
        page = f"/organizer/webhooks/{endpoint_id}"
        assert client.get(page).status_code == 404
        assert client.get(f"{page}/delete").status_code == 404
        token = csrf_token(client, "/organizer/webhooks/new")
        assert client.post(f"{page}/ping", data={"csrf_token": token}).status_code == 404
        assert "example.org/hook" not in client.get("/organizer/webhooks").get_data(as_text=True)
    with app.app_context():
        assert deliveries() == []


def test_a_walk_in_and_a_group_are_told_as_new_registrations(ctx):
    organizer = make_user()
    endpoint_for(organizer, "http://127.0.0.1:9/")
    event = make_event(group_max=5)
    person = WalkIn(
        first_name="Halina", last_name="Żurawska", organization="KGW Brzezie",
        county="kaliski", consent_on_paper=True,
    )  # fmt: skip
    request = door_request(event, Actor(user_id=organizer.id), ScanMethod.WALK_IN)
    walk_in = add_walk_in(request, person).verdict.registration
    members = [
        Member("Osoba", f"Numer{letter}", "Koło", "m-kalisz", f"osoba-{letter}@example.org")
        for letter in "ab"
    ]
    group = register_group(event.id, Coordinator("Halina", "k@example.org", "Koło"), members,
                           GroupMode.TOGETHER)  # fmt: skip
    told = [(d.kind, d.ordering_key) for d in deliveries()]
    assert told == [
        ("registration.created", f"registration:{walk_in.id}"),
        ("checkin.created", f"registration:{walk_in.id}"),
        *(("registration.created", f"registration:{m.id}") for m in group.members),
    ]
    assert deliveries()[0].payload["data"]["registration"]["walk_in"] is True


def test_while_nobody_listens_a_change_costs_no_query_and_a_new_webhook_hears_at_once(app, ctx):
    app.extensions["read_cache"].seconds = 60  # as in production
    event = make_event()
    register_attendee(event.id, attendee())  # nobody listens: remembered for a moment
    endpoint_for(make_user(), "http://127.0.0.1:9/", kinds=["registration.created"])
    register_attendee(event.id, attendee())  # this process knows of its new webhook
    assert [d.kind for d in deliveries()] == ["registration.created"]


def test_a_switched_off_webhook_is_enabled_again_from_its_page(app):
    client = organizer_client(app, "p@example.org")
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "p@example.org"))
        endpoint = endpoint_for(owner, "https://example.org/hook")
        endpoint.failing_since = utcnow() - timedelta(days=2)
        disable_endpoint(endpoint, utcnow())
        db.session.commit()
        page = f"/organizer/webhooks/{endpoint.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Switched off" in html and "Enable again" in html
    assert (
        client.post(f"{page}/enable", data={"csrf_token": csrf_token(client, page)}).status_code
        == 302
    )
    html = client.get(page).get_data(as_text=True)
    assert "Enable again" not in html
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint.id).active
        [notice] = db.session.scalars(sa.select(OutboxMessage)).all()
        rendered = render(notice)
        assert rendered.recipient == "p@example.org"
        assert "https://example.org/hook" in rendered.subject
        assert f"/organizer/webhooks/{endpoint.id}" in rendered.body_text


def test_without_private_addresses_a_loopback_receiver_is_not_sent_to(app, ctx, receiver):
    app.config["WEBHOOKS_PRIVATE_ADDRESSES"] = False  # as in production
    endpoint_for(make_user(), receiver.url)
    register_attendee(make_event().id, attendee())
    assert deliver_webhooks().retrying == 1
    assert receiver.requests == []
    [delivery] = deliveries()
    assert "not a public address: 127.0.0.1" in delivery.last_error
    assert delivery.response_status is None
