"""The on-demand van service (デマンド交通): quotes, bookings and drivers' runs over the pooling engine."""
