DROP TRIGGER IF EXISTS domains_hold_names ON domains;
DROP FUNCTION IF EXISTS claro_domain_hold_names();
-- Under the old rule a name belongs to one row whatever its status: an
-- unproven claim sharing a name with a proven or older claim goes.
DELETE FROM domains d
    WHERE d.status NOT IN ('verified', 'cert_ready', 'active')
      AND EXISTS (SELECT 1 FROM domains o
                  WHERE o.id <> d.id AND (o.id < d.id OR o.status IN ('verified', 'cert_ready', 'active'))
                    AND (o.hostname IN (d.hostname, d.alt_hostname) OR o.alt_hostname IN (d.hostname, d.alt_hostname)));
INSERT INTO domain_names (name, domain_id)
    SELECT hostname, id FROM domains
    UNION ALL SELECT alt_hostname, id FROM domains WHERE alt_hostname IS NOT NULL
    ON CONFLICT DO NOTHING;
DROP INDEX IF EXISTS domains_hostname_idx;
DROP INDEX IF EXISTS domains_alt_hostname_idx;
ALTER TABLE domains ADD CONSTRAINT domains_hostname_key UNIQUE (hostname);
ALTER TABLE domains ADD CONSTRAINT domains_alt_hostname_key UNIQUE (alt_hostname);
