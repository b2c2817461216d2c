#!/bin/sh
# Make the secret files compose.yaml reads (default folder: ./secrets), one value per file.
# A file that exists is never replaced: a new token encryption key would leave every stored
# Plex token unreadable, and new passwords would no longer match the database's. Run it again
# after an upgrade to add files a new release needs.
#
# Only POSIX tools and /dev/urandom: no Python needed on the Docker host.
set -eu

dir=${1:-secrets}
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

random_hex() {  # random_hex BYTES
  od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

fernet_key() {  # 32 random bytes, URL-safe base64: a Fernet key
  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n'
}

make() {  # make NAME VALUE
  if [ -e "$dir/$1" ]; then
    echo "kept    $dir/$1"
    return
  fi
  printf '%s\n' "$2" >"$dir/$1"
  # Readable inside the containers, whose users are not this one; the folder (700) keeps
  # everyone else on this host out.
  chmod 644 "$dir/$1"
  echo "created $dir/$1"
}

make secret_key "$(random_hex 40)"
make token_encryption_keys "$(fernet_key)"
make plex_client_identifier "plexadmin-$(random_hex 12)"
make metrics_token "$(random_hex 24)"
make postgres_password "$(random_hex 24)"
make redis_password "$(random_hex 24)"
# Empty: put your SMTP password here if your mail server wants one (EMAIL_HOST in .env).
make email_host_password ""
# The URLs repeat the passwords, so they are written from the files as they are now.
make database_url "postgresql://plexadmin:$(head -n 1 "$dir/postgres_password")@db:5432/plexadmin"
make redis_url "redis://:$(head -n 1 "$dir/redis_password")@redis:6379/0"

echo "Keep a copy of $dir/token_encryption_keys with your backups: without it the Plex tokens"
echo "in a backup cannot be read."
