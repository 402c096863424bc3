#!/usr/bin/env bash
# Runs the whole bridge locally: Temporal dev server (with Web UI and the
# bridge's search attributes), both simulators and all worker roles; then
# publishes the seeded approved page and shows what landed on both sides.
#   demo.sh demo   stop everything afterwards
#   demo.sh dev    keep everything running until Ctrl-C
set -euo pipefail
mode=${1:-demo}
cd "$(dirname "$0")/.."

state=.demo
mkdir -p "$state/bin"
temporal_cli=${TEMPORAL_CLI:-temporal}
temporal_port=${TEMPORAL_PORT:-7233}
ui_port=${TEMPORAL_UI_PORT:-8233}
export CONFLUENCE_SIM_ADDR=${CONFLUENCE_SIM_ADDR:-127.0.0.1:8090}
export OPENTEXT_SIM_ADDR=${OPENTEXT_SIM_ADDR:-127.0.0.1:8091}
export TEMPORAL_ADDRESS=127.0.0.1:$temporal_port
export TEMPORAL_NAMESPACE=default
export TEMPORAL_UI_URL=http://127.0.0.1:$ui_port
export CONFLUENCE_BASE_URL=http://$CONFLUENCE_SIM_ADDR
export CONFLUENCE_FLAVOR=cloud
export CONFLUENCE_EMAIL=bridge@example.com
export CONFLUENCE_API_TOKEN=demo-token
export OTCS_BASE_URL=http://$OPENTEXT_SIM_ADDR/otcs/cs.exe
export OTCS_USERNAME=bridge
export OTCS_PASSWORD=bridge-secret
export BRIDGE_MAPPING_FILE=${BRIDGE_MAPPING_FILE:-mapping.yaml}

port_free() { ! (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 300); do
    if ! port_free "$1"; then return 0; fi
    sleep 0.2
  done
  echo "demo: $2 did not start listening on $1; see $state/$3" >&2
  exit 1
}
webhook_addr=${BRIDGE_WEBHOOK_ADDR:-127.0.0.1:8088}
for addr in "127.0.0.1:$temporal_port" "127.0.0.1:$ui_port" "$CONFLUENCE_SIM_ADDR" "$OPENTEXT_SIM_ADDR" "$webhook_addr" 127.0.0.1:9464 127.0.0.1:9465; do
  if ! port_free "$addr"; then
    echo "demo: $addr is already in use (an earlier 'make dev' still running?). Stop it or set TEMPORAL_PORT, TEMPORAL_UI_PORT, CONFLUENCE_SIM_ADDR, OPENTEXT_SIM_ADDR." >&2
    exit 1
  fi
done

echo "==> building"
go build -o "$state/bin/" ./workers ./starter ./webhook ./simulators

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

echo "==> starting Temporal dev server (gRPC $TEMPORAL_ADDRESS, Web UI $TEMPORAL_UI_URL)"
search_attrs=()
for sa in BridgePageId BridgeSpace BridgeOtcsNodeId BridgeStage; do search_attrs+=(--search-attribute "$sa=Keyword"); done
# The dev server's task queues read new tasks at most 20 times a second by
# default, which makes every hand-off wait for a 50 ms tick; the same list
# as internal/devserver.Tuning (a test keeps them equal).
tuning=(
  --dynamic-config-value history.transferProcessorMaxPollRPS=1000
  --dynamic-config-value history.timerProcessorMaxPollRPS=1000
  --dynamic-config-value history.visibilityProcessorMaxPollRPS=1000
)
"$temporal_cli" server start-dev --ip 127.0.0.1 --port "$temporal_port" --ui-port "$ui_port" \
  --log-level warn "${search_attrs[@]}" "${tuning[@]}" >"$state/temporal.log" 2>&1 &
pids+=($!)
wait_port "127.0.0.1:$temporal_port" "Temporal" temporal.log

echo "==> starting simulators (Confluence http://$CONFLUENCE_SIM_ADDR, OpenText $OTCS_BASE_URL)"
"$state/bin/simulators" >"$state/simulators.log" 2>&1 &
pids+=($!)
wait_port "$CONFLUENCE_SIM_ADDR" "Confluence simulator" simulators.log
wait_port "$OPENTEXT_SIM_ADDR" "OpenText simulator" simulators.log

echo "==> starting workers (roles: workflows, confluence, opentext)"
BRIDGE_METRICS_ADDR=127.0.0.1:9464 "$state/bin/workers" --queues all >"$state/workers.log" 2>&1 &
pids+=($!)

echo "==> starting the webhook receiver (http://$webhook_addr/webhook) and subscribing it to Confluence"
BRIDGE_WEBHOOK_ADDR=$webhook_addr BRIDGE_WEBHOOK_SECRET=demo-webhook-secret BRIDGE_WEBHOOK_IGNORE_ACTORS=557058:bridge \
  BRIDGE_METRICS_ADDR=127.0.0.1:9465 "$state/bin/webhook" >"$state/webhook.log" 2>&1 &
pids+=($!)
wait_port "$webhook_addr" "webhook receiver" webhook.log
have_curl=false
command -v curl >/dev/null && have_curl=true
$have_curl && curl -fsS -u bridge@example.com:demo-token -H 'Content-Type: application/json' \
  -d "{\"name\":\"xecm-bridge\",\"url\":\"http://$webhook_addr/webhook\",\"events\":[\"page_created\",\"page_updated\",\"label_added\",\"label_removed\",\"blueprint_page_created\"],\"configuration\":{\"secret\":\"demo-webhook-secret\"},\"active\":true}" \
  "$CONFLUENCE_BASE_URL/rest/api/webhooks" >/dev/null
"$state/bin/starter" schedule reconcile --every 5m --lookback 24h --status-every 1

echo "==> 557058:lena approved version 1 of page 100001 \"Records Retention Policy\" (written by alice; an author may not approve their own version), recorded on the page, then it is published"
"$state/bin/starter" approve-publish --page 100001 --version 1 --as 557058:lena --wait
echo
echo "==> what landed on both sides"
"$state/bin/starter" show --page 100001
echo
echo "==> its evidence pack for auditors (docs/evidence.md: source, approval, record, fixity, access, the run), checked against both systems"
"$state/bin/starter" evidence --page 100001 --out "$state/evidence-100001.json"
"$state/bin/starter" evidence --verify "$state/evidence-100001.json"
echo
if command -v curl >/dev/null; then
echo "==> the record's life on page 100001 (docs/record-life.md): the publish wrote the status property and one comment, no page version; the reconciliation's sweep keeps it current"
status_of() { curl -fsS -u bridge@example.com:demo-token "$CONFLUENCE_BASE_URL/wiki/rest/api/content/100001/property/xecm-bridge.record-status" 2>/dev/null | grep -o '"line":"[^"]*"' | cut -d'"' -f4; }
sweep_until() { # run the reconciliation now (again every 2 s: a trigger while a run is on is skipped) until the status says $1
  for i in $(seq 0 149); do
    [ $((i % 10)) -eq 0 ] && "$state/bin/starter" schedule reconcile --every 5m --lookback 24h --status-every 1 --trigger >/dev/null
    if status_of | grep -q "$1"; then break; fi; sleep 0.2
  done
  echo "status: $(status_of)"
}
edit_restriction() { curl -fsS -u bridge@example.com:demo-token "$CONFLUENCE_BASE_URL/wiki/rest/api/content/100001/restriction/byOperation/update" | grep -o '"name":"[^"]*"\|"accountId":"[^"]*"' | cut -d'"' -f4 | paste -sd, -; }
sweep_until "no hold"
node_100001=$(curl -fsS -u bridge@example.com:demo-token "$CONFLUENCE_BASE_URL/wiki/rest/api/content/100001/property/xecm-bridge.record" | grep -o '"nodeId":[0-9]*' | tr -dc 0-9)
hold_ticket=$(curl -fsS -d username=bridge -d password=bridge-secret "$OTCS_BASE_URL/api/v1/auth" | sed 's/.*"ticket":"\([^"]*\)".*/\1/')
echo "==> a records manager puts record $node_100001 on the legal hold 8001 in OTCS (REST); the next sweep freezes the page"
curl -fsS -H "OTCSTicket: $hold_ticket" -d hold_id=8001 "$OTCS_BASE_URL/api/v1/nodes/$node_100001/holds" >/dev/null
sweep_until "On legal hold"
echo "who may edit page 100001 now: $(edit_restriction)"
next_version=$(( $(curl -fsS -u bridge@example.com:demo-token "$CONFLUENCE_BASE_URL/wiki/api/v2/pages/100001" | grep -o '"number":[0-9]*' | head -1 | tr -dc 0-9) + 1 ))
code=$(curl -s -o /dev/null -w '%{http_code}' -u editor@example.com:editor-token -H 'Content-Type: application/json' -X PUT \
  -d '{"id":"100001","status":"current","title":"Records Retention Policy","body":{"representation":"storage","value":"<p>changed</p>"},"version":{"number":'"$next_version"'}}' \
  "$CONFLUENCE_BASE_URL/wiki/api/v2/pages/100001")
echo "editor@example.com saves the page: HTTP $code (refused while the record is held)"
echo "==> the hold is released in OTCS; the next sweep removes only what the bridge added"
curl -fsS -H "OTCSTicket: $hold_ticket" -X DELETE "$OTCS_BASE_URL/api/v1/nodes/$node_100001/holds/8001" >/dev/null
sweep_until "no hold"
echo "who may edit page 100001 now: $(edit_restriction || true)"
echo "(empty: the page is editable again as before the hold)"
echo
fi
echo "==> a page without the approval label is refused (expected to fail):"
"$state/bin/starter" publish --page 100002 --wait || true
echo
if $have_curl; then
echo "==> the account editor@example.com adds the label \"approved\" to page 100002 in Confluence; the signed webhook names it as the approver and starts the publish"
curl -fsS -u editor@example.com:editor-token -H 'Content-Type: application/json' -H 'X-Atlassian-Token: no-check' \
  -d '[{"prefix":"global","name":"approved"}]' "$CONFLUENCE_BASE_URL/wiki/rest/api/content/100002/label" >/dev/null
for _ in $(seq 1 100); do
  if "$state/bin/starter" status publish:100002:v1 --json 2>/dev/null | grep -q '"status":"Completed"'; then break; fi
  sleep 0.2
done
"$state/bin/starter" status publish:100002:v1
else
  echo "(curl not found: skipping the webhook demonstration)"
fi
echo
if $have_curl; then
echo "==> permissions follow the content: page 100005 \"Falcon due diligence\" may be read by the groups legal and records-admins only; lena approves it"
falcon_id=100005
"$state/bin/starter" approve-publish --page "$falcon_id" --version 1 --as 557058:lena --wait >"$state/falcon.out"
grep -E "^(result|otcs node|source access):" "$state/falcon.out"
falcon_node=$(sed -n 's/^otcs node: \([0-9]*\).*/\1/p' "$state/falcon.out")
otcs_reads() { # user password node -> yes/no, asked through the OTCS REST API as that user
  local t; t=$(curl -fsS -d "username=$1" -d "password=$2" "$OTCS_BASE_URL/api/v1/auth" | sed 's/.*"ticket":"\([^"]*\)".*/\1/')
  if curl -fs -o /dev/null -H "OTCSTicket: $t" "$OTCS_BASE_URL/api/v2/nodes/$3"; then echo yes; else echo no; fi
}
echo "record $falcon_node in OTCS: readable by lena (Legal): $(otcs_reads lena lena-secret "$falcon_node"); by oscar: $(otcs_reads oscar oscar-secret "$falcon_node")"
echo
echo "==> a page restricted to a group the mapping does not map (confluence-administrators) is refused, with nothing stored (expected to fail):"
board_id=$(curl -fsS -u bridge@example.com:demo-token -H 'Content-Type: application/json' \
  -d '{"spaceId":"98304","status":"current","title":"Board remuneration","body":{"representation":"storage","value":"<p>Figures.</p>"}}' \
  "$CONFLUENCE_BASE_URL/wiki/api/v2/pages" | grep -o '"id":"[0-9]*"' | head -1 | tr -dc 0-9)
curl -fsS -u bridge@example.com:demo-token -H 'Content-Type: application/json' -H 'X-Atlassian-Token: no-check' \
  -d '[{"prefix":"global","name":"dept-legal"}]' "$CONFLUENCE_BASE_URL/wiki/rest/api/content/$board_id/label" >/dev/null
curl -fsS -X PUT -u bridge@example.com:demo-token -H 'Content-Type: application/json' \
  -d '[{"operation":"read","restrictions":{"group":[{"type":"group","name":"confluence-administrators"}]}}]' \
  "$CONFLUENCE_BASE_URL/wiki/rest/api/content/$board_id/restriction" >/dev/null
"$state/bin/starter" approve-publish --page "$board_id" --version 1 --as 557058:alice --wait || true
echo
fi
echo "==> meeting notes are filed as records in a dated folder, as PDF/A (mapping.yaml: rendition: pdf)"
"$state/bin/starter" file --page 100003 --wait
echo
echo "==> OpenText documents inside Confluence: the change-feed Schedule, then a first sync of both hubs"
"$state/bin/starter" schedule documents --every 10m --full-every 24
"$state/bin/starter" sync documents --now
if $have_curl; then
conf_reads() { # email token page -> yes/no, asked through the Confluence REST API as that user
  if curl -fs -o /dev/null -u "$1:$2" "$CONFLUENCE_BASE_URL/wiki/api/v2/pages/$3"; then echo yes; else echo no; fi
}
echo
echo "==> permissions follow the content back: LEG-001 (OTCS node 2104) may be seen by the OTCS group Legal only; its document page is read-restricted to legal"
"$state/bin/starter" documents --node 2104 >"$state/leg.out"
leg_page=$(sed -n 's/^Confluence page \([0-9]*\) .*/\1/p' "$state/leg.out" | sed -n 1p)
sed -n 1,2p "$state/leg.out"
echo "document page $leg_page in Confluence: readable by lena@example.com (legal): $(conf_reads lena@example.com lena-token "$leg_page"); by oscar@example.com: $(conf_reads oscar@example.com oscar-token "$leg_page")"
echo
echo "==> the connected workspace \"Project Apollo\" (SAP PROJECT APOLLO) lists its documents in its Confluence space APOLLO"
ws_json=$(curl -fsS -u bridge@example.com:demo-token "$CONFLUENCE_BASE_URL/wiki/rest/api/content?spaceKey=APOLLO&title=Workspace%20documents&expand=body.export_view")
{ grep -o 'Apollo [A-Za-z ]*\.pdf' <<<"$ws_json" || true; } | sort -u | sed 's/^/  /'
fi
if $have_curl; then
notes_body="<p>Apollo working notes. Our incident procedure: <a href=\\\"$OTCS_BASE_URL/app/nodes/2101\\\">SOP-001</a>; the contract: <a href=\\\"$OTCS_BASE_URL?func=ll&amp;objId=2301&amp;objAction=browse\\\">MSA</a>.</p><ac:structured-macro ac:name=\\\"excerpt-include\\\"><ac:parameter ac:name=\\\"\\\"><ac:link><ri:page ri:content-title=\\\"SOP-001 Incident Response.pdf (OTCS 2101)\\\" ri:space-key=\\\"DOCS\\\" /></ac:link></ac:parameter><ac:parameter ac:name=\\\"name\\\">xecm-document</ac:parameter></ac:structured-macro>"
echo
echo "==> editor@example.com writes \"Apollo working notes\" in space APOLLO, linking two OTCS documents and embedding the SOP's document page"
notes_id=$(curl -fsS -u editor@example.com:editor-token -H 'Content-Type: application/json' \
  -d "{\"spaceId\":\"98307\",\"status\":\"current\",\"title\":\"Apollo working notes\",\"body\":{\"representation\":\"storage\",\"value\":\"$notes_body\"}}" \
  "$CONFLUENCE_BASE_URL/wiki/api/v2/pages" | grep -o '"id":"[0-9]*"' | head -1 | tr -dc 0-9)
for _ in $(seq 1 100); do
  if "$state/bin/starter" documents --page "$notes_id" 2>/dev/null | grep -q "references OTCS node 2301: available"; then break; fi
  sleep 0.2
done
"$state/bin/starter" documents --page "$notes_id"
embedded() { curl -fsS -u bridge@example.com:demo-token "$CONFLUENCE_BASE_URL/wiki/api/v2/pages/$notes_id?body-format=export_view" | grep -o 'Version [0-9.]*' | head -1; }
echo "before: the working notes show the embedded panel of SOP-001 at: $(embedded)"
echo
echo "==> a new major version 2.0 of SOP-001 is added in OpenText (REST, as any client would), then the change feed runs"
ticket=$(curl -fsS -d username=bridge -d password=bridge-secret "$OTCS_BASE_URL/api/v1/auth" | sed 's/.*"ticket":"\([^"]*\)".*/\1/')
printf '%%PDF-1.4\n%% SOP-001 Incident Response 2.0\n%%%%EOF\n' >"$state/sop-001-v2.pdf"
curl -fsS -H "OTCSTicket: $ticket" -F add_major_version=true -F description="Approved 2.0" \
  -F "file=@$state/sop-001-v2.pdf;type=application/pdf" "$OTCS_BASE_URL/api/v2/nodes/2101/versions" >/dev/null
"$state/bin/starter" schedule documents --every 10m --trigger >/dev/null
for _ in $(seq 1 100); do
  if [ "$(embedded)" = "Version 2.0" ]; then break; fi
  sleep 0.2
done
echo "after:  the working notes show the embedded panel of SOP-001 at: $(embedded)"
"$state/bin/starter" documents --node 2101
fi
echo
echo "==> approved OTCS templates become read-only Confluence pages and Confluence page templates (converted with pandoc / goldmark)"
"$state/bin/starter" schedule templates --every 30m --full-every 24
"$state/bin/starter" sync templates --now
"$state/bin/starter" templates
if $have_curl; then
templates_in_pol() {
  local json; json=$(curl -fsS -u editor@example.com:editor-token "$CONFLUENCE_BASE_URL/wiki/rest/api/template/page?spaceKey=POL")
  paste -d'|' <(grep -o '"name":"[^"]*","space"' <<<"$json" | cut -d'"' -f4) <(grep -o '"description":"[^"]*"' <<<"$json" | cut -d'"' -f4) | sed 's/|/ — /; s/^/  /' || true
}
echo "\"Create from template\" in space POL now offers:"
templates_in_pol
echo
echo "==> a new approved version 2.0 of \"SOP Template.md\" is added in OpenText; the template feed's next run brings it to the copy and the template"
printf '# Standard operating procedure\n\n1. Prepare the change\n2. Ask the change board\n3. Execute and record the result\n' >"$state/sop-template-v2.md"
curl -fsS -H "OTCSTicket: $ticket" -F add_major_version=true -F description="Approved 2.0" \
  -F "file=@$state/sop-template-v2.md;type=text/markdown" "$OTCS_BASE_URL/api/v2/nodes/2211/versions" >/dev/null
"$state/bin/starter" schedule templates --every 30m --trigger >/dev/null
for _ in $(seq 1 100); do
  if "$state/bin/starter" templates 2>/dev/null | grep -q "SOP Template .*version 2.0"; then break; fi
  sleep 0.2
done
"$state/bin/starter" templates | grep "SOP Template"
templates_in_pol | grep "SOP Template" || true
fi
echo
echo "==> runs in space POL (from Temporal visibility)"
sleep 1
"$state/bin/starter" list --space POL
echo
echo "Web UI: $TEMPORAL_UI_URL/namespaces/default/workflows (logs in $state/)"

if [ "$mode" = dev ]; then
  echo "Everything keeps running; Ctrl-C stops it. In another shell: source scripts/demo.env, then e.g."
  echo "  go run ./starter submit --page 100004 --as bob   # a full document lifecycle; see docs/lifecycle.md"
  wait
fi
