-- A pending custom domain no longer blocks its real owner. A store's domain
-- row is a claim; only a claim whose DNS is proven (verified, cert_ready,
-- active) holds its names, so several stores may wait on the same name and
-- the one that publishes its token (TXT _claro.<domain>) wins: the checker
-- then deletes the other, unproven claims. A claim never verified expires
-- after 72 hours (tenants.PendingTTL, swept by the checker).
--
-- domain_names is now the set of names held by proven claims, kept in step
-- with each claim's status by the trigger below (so a claim can be moved by
-- any UPDATE and the names follow); its primary key still lets one claim
-- only hold a name. domains.hostname and alt_hostname are no longer unique.
ALTER TABLE domains DROP CONSTRAINT domains_hostname_key;
ALTER TABLE domains DROP CONSTRAINT domains_alt_hostname_key;
CREATE INDEX domains_hostname_idx ON domains (hostname);
CREATE INDEX domains_alt_hostname_idx ON domains (alt_hostname) WHERE alt_hostname IS NOT NULL;

DELETE FROM domain_names n USING domains d
    WHERE d.id = n.domain_id AND d.status NOT IN ('verified', 'cert_ready', 'active');

-- A proven claim holds its names (a name another claim holds raises
-- unique_violation on domain_names_pkey); any other status releases them.
CREATE FUNCTION claro_domain_hold_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('verified', 'cert_ready', 'active') THEN
        DELETE FROM domain_names WHERE domain_id = NEW.id
            AND name IS DISTINCT FROM NEW.hostname AND name IS DISTINCT FROM NEW.alt_hostname;
        INSERT INTO domain_names (name, domain_id)
            SELECT n, NEW.id FROM unnest(ARRAY[NEW.hostname, NEW.alt_hostname]) AS n
            WHERE n IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM domain_names WHERE name = n AND domain_id = NEW.id);
    ELSE
        DELETE FROM domain_names WHERE domain_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER domains_hold_names AFTER INSERT OR UPDATE OF status, hostname, alt_hostname ON domains
    FOR EACH ROW EXECUTE FUNCTION claro_domain_hold_names();
