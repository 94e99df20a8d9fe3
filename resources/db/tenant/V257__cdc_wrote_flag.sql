-- A record-lane statement also marks its transaction (a transaction-local setting), so that a
-- commit of the core wakes the tenant's CDC feed only when the feed has something to carry.
--
-- The core used to wake the feed at every commit that wrote anything (the transaction had an xid).
-- Most of a live tenant's commits write no record: the rules write their state (event_rule_state)
-- at every evaluation, a projection that is not published. Each such wake was a commit drain that
-- found nothing for the tenant and still decoded its server's WAL since the slot's last position,
-- and those drains took the CDC sessions that the tenants' real changes waited for.
--
-- Transaction-local: a rolled-back savepoint takes the mark back with the write; the next
-- transaction on the pooled connection starts unmarked. A record-lane write from elsewhere (no
-- wake-up) still reaches the feed at the next sweep, as before.

CREATE OR REPLACE FUNCTION og_cdc_wrote() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('og_cdc_writes');
    PERFORM set_config('og.cdc_wrote', 'on', true);
    RETURN NULL;
END
$$;
