package main

// The indexes FerretDB's PostgreSQL queries can use. FerretDB 1.24 hands an equality on a
// field to SQL as `_jsonb -> 'field' @> 'value'` (internal/backends/postgresql/query.go,
// filterEqual), while the index it makes for a MongoDB index is a btree on
// `(_jsonb -> 'field')`, which serves `=` and ranges, never `@>`: out of the box every query,
// a find by `_id` included, scans its table (`EXPLAIN`: Seq Scan). For the leading field of
// every index FerretDB makes, this adds a GIN index on the same expression with the
// jsonb_path_ops operator class, which serves `@>`: the planner then reads only the
// matching rows.
// FerretDB never sees these indexes (its listIndexes reads its own metadata), and they go
// with their table when a collection is dropped.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A FerretDB index's key, as PostgreSQL prints it in pg_indexes.indexdef.
var jsonbKey = regexp.MustCompile(`\(_jsonb -> '((?:[^']|'')+)'::text\)`)

// The btree indexes FerretDB made, and the GIN ones already added, in every schema.
const indexesQuery = `
SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
WHERE indexdef LIKE '%_jsonb -> %' AND schemaname NOT IN ('pg_catalog', 'information_schema')`

// watchPostgresIndexes adds the GIN indexes every `every` until ctx ends.
func watchPostgresIndexes(ctx context.Context, pgURL string, every time.Duration, logger *slog.Logger) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for ctx.Err() == nil {
		if conn == nil || conn.IsClosed() {
			c, err := pgx.Connect(ctx, pgURL)
			if err == nil {
				conn = c
			}
		}
		if conn != nil {
			if err := addGinIndexes(ctx, conn, logger); err != nil && ctx.Err() == nil {
				// A table dropped or created meanwhile: the next round sees it settled.
				logger.Debug("devdb: postgres index round failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
	}
}

type jsonbIndex struct{ schema, table, field string }

func addGinIndexes(ctx context.Context, conn *pgx.Conn, logger *slog.Logger) error {
	rows, err := conn.Query(ctx, indexesQuery)
	if err != nil {
		return err
	}
	wanted := map[jsonbIndex]bool{}
	have := map[string]bool{}
	for rows.Next() {
		var schema, table, name, def string
		if err := rows.Scan(&schema, &table, &name, &def); err != nil {
			rows.Close()
			return err
		}
		if strings.Contains(def, "USING gin") {
			have[schema+"."+name] = true
			continue
		}
		// The leading field only: it is the selective one of every index of ours
		// (receiver_id, sender_id, user_id, email…), and the planner, given a GIN index on a
		// flag that follows it (blocked, send_now), would read that flag's every row too.
		if m := jsonbKey.FindStringSubmatch(def); m != nil {
			wanted[jsonbIndex{schema, table, strings.ReplaceAll(m[1], "''", "'")}] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for ix := range wanted {
		name := ginName(ix)
		if have[ix.schema+"."+name] {
			continue
		}
		sql := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s.%s USING gin ((_jsonb -> %s) jsonb_path_ops)`,
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{ix.schema}.Sanitize(), pgx.Identifier{ix.table}.Sanitize(),
			quoteLiteral(ix.field))
		if _, err := conn.Exec(ctx, sql); err != nil {
			return err
		}
		logger.Debug("devdb: GIN index added", "schema", ix.schema, "table", ix.table, "field", ix.field)
	}
	return nil
}

// ginName: a name of at most 63 bytes, the same for the same table and field.
func ginName(ix jsonbIndex) string {
	sum := sha256.Sum256([]byte(ix.table + "\x00" + ix.field))
	return "pictever_gin_" + hex.EncodeToString(sum[:12])
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
