// Command ferretdb-sqlite runs FerretDB v1 on SQLite and gives each collection's table the index
// that FerretDB's own lookups by _id can use.
//
// FerretDB v1.24 looks a document up by _id with `_ferretdb_sjson->'$._id' = ?` (find, update,
// delete), but builds each table's _id index on `_ferretdb_sjson->"_id"`. SQLite matches an index
// on an expression only when the query spells the same expression, so every such lookup reads
// and parses every row of the collection. This adds, beside FerretDB's, an index on the
// expression its queries use; SQLite then answers them from the index. FerretDB keeps its own
// metadata and indexes: it neither sees nor needs this one, and dropping the collection drops it.
//
// Usage: ferretdb-sqlite -dir <FerretDB's SQLite directory> -- <ferretdb binary> <its arguments>
//
// It starts FerretDB as its child, passes it SIGINT and SIGTERM, exits as it exits, and meanwhile
// checks the directory's databases for new collections every -interval.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	_ "modernc.org/sqlite"
)

// indexSuffix names our index apart from FerretDB's, which are named <table>_<index name>.
const indexSuffix = "_roombook_id_lookup"

func main() {
	dir := flag.String("dir", "", "the directory holding FerretDB's <database>.sqlite files")
	interval := flag.Duration("interval", time.Second, "how often to look for new collections")
	flag.Parse()
	if *dir == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: ferretdb-sqlite -dir <dir> -- <ferretdb> <arguments>")
		os.Exit(2)
	}

	ferretdb := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	ferretdb.Stdin, ferretdb.Stdout, ferretdb.Stderr = nil, os.Stdout, os.Stderr
	ferretdb.SysProcAttr = dieWithParent()
	if err := ferretdb.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-sqlite: could not start %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range signals {
			_ = ferretdb.Process.Signal(s)
		}
	}()

	ctx, stop := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			indexAll(ctx, *dir)
			select {
			case <-ctx.Done():
			case <-time.After(*interval):
			}
		}
	}()

	err := ferretdb.Wait()
	stop()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			os.Exit(128 + int(status.Signal()))
		}
		os.Exit(exit.ExitCode())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-sqlite: %v\n", err)
		os.Exit(1)
	}
}

// indexAll gives every collection table of every database in dir the lookup index it lacks.
func indexAll(ctx context.Context, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	for _, file := range files {
		if err := indexDatabase(ctx, file); err != nil && ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "ferretdb-sqlite: %s: %v\n", filepath.Base(file), err)
		}
	}
}

// indexDatabase opens the file for a moment each time. A connection of ours open while FerretDB
// drops the database keeps the dropped file's write-ahead log on disk, and FerretDB would read
// that log into the database it creates next under the same name ("disk I/O error"; the test
// showed it with a connection kept open). A database is dropped seldom, and then FerretDB would
// have to create it anew within the same moment for that to happen.
func indexDatabase(ctx context.Context, file string) error {
	// mode=rw: never create a file FerretDB has not; busy_timeout as FerretDB's own connections wait.
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()

	// FerretDB's catalogue of collections; a database without one yet has no collection to index.
	rows, err := db.QueryContext(ctx, `SELECT c.table_name FROM sqlite_schema s, _ferretdb_collections c
		WHERE s.type = 'table' AND s.name = c.table_name
		AND NOT EXISTS (SELECT 1 FROM sqlite_schema i WHERE i.type = 'index' AND i.name = c.table_name || ?)`,
		indexSuffix)
	if err != nil {
		if db.QueryRowContext(ctx, `SELECT 1 FROM sqlite_schema WHERE name = '_ferretdb_collections'`).Scan(new(int)) == sql.ErrNoRows {
			return nil
		}
		return err
	}
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+indexSuffix, table)
		if _, err := db.ExecContext(ctx, q); err != nil {
			// Dropped between the query and now: nothing to index.
			if db.QueryRowContext(ctx, `SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(new(int)) == sql.ErrNoRows {
				continue
			}
			return fmt.Errorf("indexing %s: %w", table, err)
		}
	}
	return nil
}
