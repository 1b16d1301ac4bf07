SELECT event_id, action FROM silver_cart_events WHERE action NOT IN ('add', 'remove', 'update')
