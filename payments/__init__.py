"""Payment adapters, the only package that imports stripe. Both implement
`maas.domain.payments.PaymentGateway`:

- `payments.stripe_gateway.StripeGateway`: manual-capture PaymentIntents, SetupIntents for saved
  methods, Connect transfers and signed webhooks through the Stripe SDK's async client;
- `payments.on_board.OnBoardGateway`: the default without a Stripe key; the rider pays on board
  or the municipality is invoiced, and the books are kept in memory.

`payments.config.gateway_from_settings` picks one from the settings.
"""
