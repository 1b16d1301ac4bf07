-- Dimensions of the real-time layer (SPEC section 4), loaded by `lakehouse ingest reference`.

CREATE TABLE IF NOT EXISTS users (
  user_id           uuid PRIMARY KEY,
  email             text NOT NULL,
  age               smallint NOT NULL CHECK (age BETWEEN 0 AND 150),
  country           text NOT NULL,
  registration_date date NOT NULL,
  preferences       text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS products (
  product_id   uuid PRIMARY KEY,
  name         text NOT NULL,
  category     text NOT NULL,
  price        numeric(12, 2) NOT NULL CHECK (price >= 0),
  -- Stock in the catalogue when it was loaded; the live figure is inventory_status.quantity.
  inventory    integer NOT NULL CHECK (inventory >= 0),
  rating_avg   numeric(2, 1),
  rating_count integer NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS products_category ON products (category);

CREATE TABLE IF NOT EXISTS inventory_status (
  product_id uuid PRIMARY KEY REFERENCES products (product_id),
  quantity   integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
