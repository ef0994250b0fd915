"""Icomm's settings (`[ncen.module.icomm]`, `NCEN_MODULE_ICOMM_<KEY>`)."""

from __future__ import annotations

from core.settings import Setting


def declarations() -> list[Setting]:
    return [
        Setting(
            "replay_window_seconds",
            int,
            300,
            "An envelope from a peer signed longer ago than this (or this far ahead) is refused as a "
            "replay; keep the instances' clocks in sync (NTP).",
            minimum=10,
            maximum=86_400,
        ),
        Setting(
            "max_envelope_bytes",
            int,
            8_388_608,
            "Largest envelope accepted from a peer (canonical JSON bytes); a larger one is refused "
            "and audited.",
            minimum=1024,
            maximum=16_777_216,
        ),
        Setting(
            "max_request_bytes",
            int,
            33_554_432,
            "Largest request a peer may send (several envelopes); a sender splits its batches to "
            "stay under it.",
            minimum=1024,
            maximum=1_073_741_824,
        ),
        Setting(
            "batch_envelopes",
            int,
            100,
            "Envelopes sent to a peer in one request (and accepted from one in one request).",
            minimum=1,
            maximum=1000,
        ),
        Setting(
            "delivery_timeout_seconds",
            float,
            15.0,
            "How long a peer may take to answer a delivery before it is retried later.",
            minimum=0.5,
            maximum=300.0,
        ),
        Setting(
            "give_up_hours",
            int,
            72,
            "How long an envelope is retried while its peer cannot be reached before it fails.",
            minimum=1,
            maximum=8760,
        ),
        Setting(
            "share_notice",
            str,
            "role:officer",
            "Who is told by a notice that a connected instance shared a record here (addresses "
            "separated by commas: users or role:<name>); empty: nobody.",
        ),
        Setting(
            "max_body_chars",
            int,
            20_000,
            "Longest message body.",
            minimum=100,
            maximum=1_000_000,
        ),
    ]
