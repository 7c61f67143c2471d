package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"github.com/refarch/refarch/workloads/apps/contract"
)

// migrationLock is the advisory lock key that serializes concurrent
// migrations (two tasks started at once): "notes" in ASCII.
const migrationLock = 0x6e6f746573

// rdsIAMRole is the role RDS creates for IAM database authentication: a
// member logs in with a token instead of a password.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html#UsingWithRDS.IAMDBAuth.DBAccounts.PostgreSQL
const rdsIAMRole = "rds_iam"

// connectMaster connects to the writer as the master user (the RDS-managed
// secret's credentials), with TLS verify-full.
func connectMaster(ctx context.Context, c migrateConfig) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(connString(c.db, c.db.host, c.username))
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", c.db.host, err)
	}
	if err := checkVerifyFull(cfg); err != nil {
		return nil, err
	}
	cfg.Password = c.password
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s as the master user: %w", c.db.host, err)
	}
	return conn, nil
}

// migrate brings the schema and the app role to their state, idempotently,
// in one transaction: the notes table and its index, the login role
// contract.AppRole, its membership of rds_iam where that role exists (on
// RDS; not on a plain PostgreSQL), and its rights, exactly SELECT and
// INSERT on notes and USAGE on its sequence.
func migrate(ctx context.Context, conn *pgx.Conn, logger *slog.Logger) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning the migration: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	app := pgx.Identifier{contract.AppRole}.Sanitize()

	steps := []struct{ what, sql string }{
		{"locking", fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, migrationLock)},
		{"creating the notes table", `CREATE TABLE IF NOT EXISTS notes (
			id bigserial PRIMARY KEY,
			text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 1000),
			created_at timestamptz NOT NULL DEFAULT now())`},
		// Newest first, with id to order notes of the same instant: the
		// keyset pagination's order.
		{"creating the notes index", `CREATE INDEX IF NOT EXISTS notes_created_at_id_idx ON notes (created_at DESC, id DESC)`},
	}
	for _, s := range steps {
		if _, err := tx.Exec(ctx, s.sql); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}

	exists := func(sql string, args ...any) (bool, error) {
		var ok bool
		err := tx.QueryRow(ctx, sql, args...).Scan(&ok)
		return ok, err
	}
	hasApp, err := exists(`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, contract.AppRole)
	if err != nil {
		return fmt.Errorf("looking up role %s: %w", contract.AppRole, err)
	}
	if hasApp {
		logger.InfoContext(ctx, "role exists", "role", contract.AppRole)
	} else {
		if _, err := tx.Exec(ctx, `CREATE ROLE `+app+` LOGIN`); err != nil {
			return fmt.Errorf("creating role %s: %w", contract.AppRole, err)
		}
		logger.InfoContext(ctx, "created role", "role", contract.AppRole)
	}

	hasIAM, err := exists(`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, rdsIAMRole)
	if err != nil {
		return fmt.Errorf("looking up role %s: %w", rdsIAMRole, err)
	}
	if !hasIAM {
		logger.InfoContext(ctx, "no rds_iam role (not RDS): IAM authentication not granted", "role", contract.AppRole)
	} else {
		member, err := exists(`SELECT pg_has_role($1::name, $2::name, 'MEMBER')`, contract.AppRole, rdsIAMRole)
		if err != nil {
			return fmt.Errorf("checking membership of %s: %w", rdsIAMRole, err)
		}
		if member {
			logger.InfoContext(ctx, "role already has rds_iam", "role", contract.AppRole)
		} else {
			if _, err := tx.Exec(ctx, `GRANT `+pgx.Identifier{rdsIAMRole}.Sanitize()+` TO `+app); err != nil {
				return fmt.Errorf("granting %s: %w", rdsIAMRole, err)
			}
			logger.InfoContext(ctx, "granted rds_iam", "role", contract.AppRole)
		}
	}

	// Exactly these rights, whatever was granted before. REVOKE and GRANT
	// of rights already in that state change nothing.
	grants := []string{
		`REVOKE ALL ON notes FROM ` + app,
		`GRANT SELECT, INSERT ON notes TO ` + app,
		`REVOKE ALL ON SEQUENCE notes_id_seq FROM ` + app,
		`GRANT USAGE ON SEQUENCE notes_id_seq TO ` + app,
	}
	for _, g := range grants {
		if _, err := tx.Exec(ctx, g); err != nil {
			return fmt.Errorf("setting the rights of %s: %w", contract.AppRole, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing the migration: %w", err)
	}
	logger.InfoContext(ctx, "migrated", "table", "notes", "role", contract.AppRole)
	return nil
}
