export function loader() {
  return Response.json({ ok: true, uptime: Math.round(process.uptime()) });
}
