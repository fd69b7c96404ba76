-- A payment that succeeds after its order was cancelled is refunded automatically, exactly once
-- (commerce/payments/outcomes.py): one row per payment (UNIQUE), refunded through the provider
-- with the idempotency key shepherd-autorefund-<payment id>.
CREATE TABLE auto_refunds (
    id            bigserial PRIMARY KEY,
    payment_id    bigint NOT NULL UNIQUE REFERENCES payments(id),
    order_id      bigint NOT NULL REFERENCES orders(id),
    user_id       bigint NOT NULL REFERENCES users(id),
    amount_cents  integer NOT NULL CHECK (amount_cents >= 0),
    currency      text NOT NULL,
    reason        text NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'refunded')),
    refund_ref    text,
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    notified_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    refunded_at   timestamptz
);
CREATE INDEX auto_refunds_pending_idx ON auto_refunds (id) WHERE status = 'pending';
CREATE INDEX auto_refunds_order_idx ON auto_refunds (order_id);
