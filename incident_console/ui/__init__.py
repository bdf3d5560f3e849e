"""The Textual console. Everything here is presentation: every change goes through the Desk."""
