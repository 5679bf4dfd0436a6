//! The native provider above its adapter, offline: a scripted session stands in for the in-process
//! WhatsApp client, and events are built the way the crate builds them. The provider's linking,
//! state mapping, send paths and logout first; then the whole engine with a native instance.

mod engine;
mod provider;
mod scripted;
