-- Rates from the stored totals, so they are right whichever worker added last.
UPDATE funnel_metrics SET
  view_to_cart = cart_adds::double precision / nullif(views, 0),
  cart_to_purchase = purchases::double precision / nullif(cart_adds, 0),
  view_to_purchase = purchases::double precision / nullif(views, 0)
WHERE window_start = ANY (SELECT to_timestamp(w::double precision / 1000) FROM unnest($1::bigint[]) AS d(w))
