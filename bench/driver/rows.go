package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	// The database/sql driver "pgx", to count rows.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// rowCounts counts the rows of every table of the database.
func rowCounts(driver, dsn string) (map[string]int64, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if driver == "pgx" {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	rows, err := db.QueryContext(ctx, list)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, t := range tables {
		var n int64
		// The names come from the catalogue, quoted as identifiers.
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// tokenRows counts the rows of the two tables every sign-in adds to
// (authorizations and sessions), for the soak's samples: whether they
// plateau shows that the cleanup keeps up. -1 when it cannot count.
func tokenRows(driver, dsn string) (authorizations, sessions int64) {
	rows, err := rowCounts(driver, dsn)
	if err != nil {
		return -1, -1
	}
	return rows["authorizations"], rows["sessions"]
}
