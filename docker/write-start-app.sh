#!/bin/sh
# Writes the image's entry point for one app: a script that execs the command of the app's `start`
# script, as `pnpm start` would but without pnpm in between (so SIGTERM from `docker stop` reaches
# the app itself), with the container's arguments appended.
#   write-start-app.sh <app directory> <entry point to write>
set -eu
app_dir=$1
out=$2
start=$(cd "$app_dir" && node -p "require('./package.json').scripts?.start ?? ''")
if [ -z "$start" ]; then
  echo "write-start-app.sh: $app_dir/package.json has no start script" >&2
  exit 1
fi
# A start script may begin with the shell's `exec` itself; the entry point already execs it.
start=$(printf '%s' "$start" | sed 's/^exec[[:space:]][[:space:]]*//')
printf '#!/bin/sh\n# The start script of %s\nexec %s "$@"\n' "$app_dir" "$start" > "$out"
chmod 755 "$out"
