#!/usr/bin/env bash
# Fetch GraphiQL and what it runs on from the npm registry, at pinned versions, into
# xietong/web/static/vendor/ with their licences, and write assets.json: each file's
# package, version, licence and SRI hash (sha384), which the GraphiQL page carries
# as integrity attributes. Run it to change a version; commit what it writes.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=xietong/web/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# package@version  files to take (from the package's folder)  licence file
PACKAGES=(
    "react@18.2.0|umd/react.production.min.js|LICENSE"
    "react-dom@18.2.0|umd/react-dom.production.min.js|LICENSE"
    "graphiql@3.8.3|graphiql.min.js graphiql.min.css|LICENSE"
    # Its package has no LICENSE file: package.json says MIT, GraphQL Contributors,
    # the same text as graphiql's (one repository).
    "@graphiql/plugin-explorer@1.0.2|dist/index.umd.js dist/style.css|-"
)

rm -rf "$TARGET"
mkdir -p "$TARGET"
manifest="["
separator=""
for entry in "${PACKAGES[@]}"; do
    IFS='|' read -r spec files licence <<<"$entry"
    name=${spec%@*}
    version=${spec##*@}
    folder="$TARGET/${name//\//-}-$version"
    folder=${folder//@/}
    mkdir -p "$folder" "$WORK/$name"
    tarball=$(cd "$WORK" && npm pack --silent "$spec")
    tar -xzf "$WORK/$tarball" -C "$WORK/$name"
    package="$WORK/$name/package"
    license_id=$(node -p "require('$package/package.json').license")
    if [ "$licence" = "-" ]; then
        cp "$WORK/graphiql/package/LICENSE" "$folder/LICENSE"
    else
        cp "$package/$licence" "$folder/LICENSE"
    fi
    for file in $files; do
        base=$(basename "$file")
        # The source map comment would make a browser's tools ask for a file not shipped.
        sed '/^\/\/# sourceMappingURL=/d; s#/\*\# sourceMappingURL=[^*]*\*/##' "$package/$file" >"$folder/$base"
        integrity="sha384-$(openssl dgst -sha384 -binary "$folder/$base" | base64 -w0)"
        manifest+="$separator
  {\"package\": \"$name\", \"version\": \"$version\", \"license\": \"$license_id\", \"path\": \"${folder#"$TARGET"/}/$base\", \"integrity\": \"$integrity\"}"
        separator=","
    done
done
printf '%s\n]\n' "$manifest" >"$TARGET/assets.json"
echo "wrote $TARGET"
