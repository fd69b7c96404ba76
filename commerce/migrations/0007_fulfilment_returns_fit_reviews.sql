-- After-sale lifecycle (commerce/orders.py fulfil_order, commerce/order_returns.py) and fit reviews:
-- an operator marks a paid order shipped (fulfilled_at), and receives a return before it is
-- refunded; each return records what it refunded, so partial returns never refund more than
-- was paid and a later whole-order return refunds only the rest.
ALTER TABLE orders ADD COLUMN fulfilled_at timestamptz;

ALTER TABLE returns
    ADD COLUMN refund_cents integer CHECK (refund_cents >= 0),
    ADD COLUMN received_at  timestamptz,
    ADD COLUMN refunded_at  timestamptz,
    ADD COLUMN decided_note text;

-- The operator's queues: returns waiting to be received, and received ones whose refund is due.
CREATE INDEX returns_open_idx ON returns (status, id) WHERE status IN ('requested', 'received');
CREATE INDEX orders_paid_idx ON orders (id) WHERE status = 'paid';

-- Fit reviews (commerce/fit_reviews.py): one per shopper, product and size; a new answer replaces
-- the old one, so repeated reviews never count twice in size advice.
CREATE UNIQUE INDEX fit_feedback_one_review ON fit_feedback (user_id, product_id, size_label)
    WHERE source = 'review';
