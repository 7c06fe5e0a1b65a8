"""The till API: store API keys, card look-ups, point reservations and coupons over HTTP."""
