//! The test fakes themselves, checked as their clients meet them: `whatsapp` (the real
//! `whatsapp-rust` client against `FakeWhatsApp`) and `cloud` (`FakeCloud` over plain HTTP). One
//! test binary for both, so the suites link once.

mod cloud;
mod whatsapp;
