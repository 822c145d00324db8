-- The edge: creators' custom domains and their DNS verification, and the
-- certificate storage every machine in every region shares (certmagic).
CREATE TABLE domains (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- One custom domain per store (with its apex/www partner).
    tenant_id          bigint NOT NULL UNIQUE REFERENCES tenants (id) ON DELETE CASCADE,
    -- hostname is the name the creator chose and the storefront's canonical host;
    -- alt_hostname is its apex/www partner (www.example.com for example.com and
    -- the other way round), served as a 301 to hostname. Both are unique across
    -- both columns, enforced by domain_names.
    hostname           text NOT NULL UNIQUE CHECK (hostname = lower(hostname) AND length(hostname) <= 253),
    alt_hostname       text UNIQUE CHECK (alt_hostname = lower(alt_hostname) AND alt_hostname <> hostname),
    verification_token text NOT NULL,
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'verified', 'cert_ready', 'active', 'failed')),
    -- What the last check saw, for the dashboard: TXT, CNAME and A/AAAA answers.
    last_txt           text[] NOT NULL DEFAULT '{}',
    last_cname         text NOT NULL DEFAULT '',
    last_addrs         text[] NOT NULL DEFAULT '{}',
    last_error         text NOT NULL DEFAULT '',
    failure_count      int NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
    checked_at         timestamptz,
    verified_at        timestamptz,
    activated_at       timestamptz,
    next_check_at      timestamptz NOT NULL DEFAULT now(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_due_idx ON domains (next_check_at);

-- Every name a domain row answers for, so that a name is held by one store only
-- whichever column it sits in.
CREATE TABLE domain_names (
    name      text PRIMARY KEY,
    domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE
);
CREATE INDEX domain_names_domain_idx ON domain_names (domain_id);

-- certmagic.Storage: keys are slash-separated paths; the C collation makes
-- "prefix/" .. "prefix0" exactly the keys under a directory, using the index.
CREATE TABLE certmagic_data (
    key        text COLLATE "C" PRIMARY KEY,
    value      bytea NOT NULL,
    modified   timestamptz NOT NULL DEFAULT now()
);

-- The row-level security backstop of migration 0004 covers a store's domain
-- too, for creator-side transactions run as claro_tenant (when that role exists).
ALTER TABLE domains ENABLE ROW LEVEL SECURITY;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'claro_tenant') THEN
        CREATE POLICY domains_isolation ON domains TO claro_tenant
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);
        GRANT SELECT, INSERT, UPDATE, DELETE ON domains, domain_names TO claro_tenant;
    END IF;
END
$$;
