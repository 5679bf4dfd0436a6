//! The engine against a fake Evolution API server that answers with the shared contract samples:
//! linking, status polling, every message type, the outbox's pacing, retries and idempotency,
//! campaigns, statistics and upkeep. Status changes arrive by polling here; the server crate's tests
//! cover webhooks.

mod auto_replies;
mod campaigns;
mod catch_up;
mod conversations;
mod guard;
mod independence;
mod linking;
mod number_checks;
mod opt_out;
mod outbox;
mod repeats;
mod sending;
mod stream;
mod support;
mod upgrade;
mod upkeep;
