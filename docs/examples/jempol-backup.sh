#!/bin/sh
# Backs up Jempol's SQLite database while it runs, checks the copy, keeps the newest $KEEP.
# Install as /usr/local/bin/jempol-backup (mode 0755) and run as the `jempol` user, from
# jempol-backup.timer or cron:  30 12 * * 1-5  jempol  /usr/local/bin/jempol-backup
# PostgreSQL: use pg_dump instead (docs/operations.md).
set -eu
umask 077

JEMPOL=${JEMPOL:-/usr/local/bin/jempol}
CONFIG=${JEMPOL_CONFIG:-/etc/jempol/jempol.toml}   # the same file the service uses
DEST=${DEST:-/var/backups/jempol}
KEEP=${KEEP:-14}

mkdir -p "$DEST"
file="$DEST/jempol-$(date +%Y-%m-%d_%H%M).db"
"$JEMPOL" --config "$CONFIG" backup "$file"

# Open a scratch copy (opening a database file changes it slightly, the backup stays as written).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$file" "$tmp/jempol.db"
if ! "$JEMPOL" check --database-url "sqlite://$tmp/jempol.db" >"$tmp/check.txt"; then
    cat "$tmp/check.txt" >&2
    echo "jempol-backup: $file does not check out" >&2
    exit 1
fi

# The copy's audit log must be a whole hash chain; its head (number and hash) goes into a log
# kept beside the backups, outside the database: a later head that does not extend these
# shows the log was rewritten (docs/security.md, Audit integrity).
if ! "$JEMPOL" audit verify --database-url "sqlite://$tmp/jempol.db" >"$tmp/audit.txt"; then
    cat "$tmp/audit.txt" >&2
    echo "jempol-backup: the audit log in $file is broken" >&2
    exit 1
fi
printf '%s %s\n' "$(date -Iseconds)" "$(grep 'Kepala rantai' "$tmp/audit.txt")" >>"$DEST/audit-heads.log"

# Keep the newest $KEEP copies.
ls -1t "$DEST"/jempol-*.db | tail -n +"$((KEEP + 1))" | while read -r old; do rm -f -- "$old"; done

# Off-site copy, e.g. to another machine (set up an SSH key for the jempol user first):
# rsync -a --delete "$DEST"/ backup@10.0.0.30:/srv/backup/jempol/
