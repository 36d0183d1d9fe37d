/// The page served at `/`: the live stream and the statistics, polled from
/// `/stats` twice a second.
enum DemoPage {
    static let html = Array(text.utf8)

    static let text = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>swift-asyncio camera demo</title>
    <style>
      :root { color-scheme: dark; }
      body { margin: 0; font: 15px/1.4 system-ui, sans-serif; background: #111418; color: #e6e6e6; }
      header { padding: 14px 24px; border-bottom: 1px solid #2a2f36; display: flex; align-items: baseline; gap: 16px; }
      header h1 { font-size: 18px; margin: 0; font-weight: 600; }
      header span { color: #8b949e; font-size: 13px; }
      main { display: grid; grid-template-columns: minmax(0, max-content) 340px; gap: 24px; padding: 24px; align-items: start; }
      @media (max-width: 760px) { main { grid-template-columns: 1fr; } }
      .panel { width: 340px; }
      .video { background: #000; border: 1px solid #2a2f36; border-radius: 8px; overflow: hidden; line-height: 0; }
      .video img { display: block; max-width: 100%; height: auto; }
      table { border-collapse: collapse; width: 100%; margin-top: 8px; }
      td { padding: 5px 10px; border-bottom: 1px solid #22272e; }
      td:first-child { color: #8b949e; white-space: nowrap; }
      td:last-child { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, monospace; }
      .big { font-size: 28px; font-weight: 600; color: #58d68d; }
      .links { margin-top: 14px; font-size: 13px; }
      a { color: #58a6ff; }
      #status { color: #8b949e; font-size: 12px; margin-top: 8px; }
    </style>
    </head>
    <body>
    <header><h1>swift-asyncio camera demo</h1><span id="source">camera</span></header>
    <main>
      <div class="video"><img id="stream" src="/stream" alt="live MJPEG stream"></div>
      <div class="panel">
        <div class="big"><span id="fps">–</span> fps</div>
        <table>
          <tr><td>frames captured</td><td id="framesCaptured">–</td></tr>
          <tr><td>frames dropped</td><td id="framesDropped">–</td></tr>
          <tr><td>frames encoded</td><td id="framesEncoded">–</td></tr>
          <tr><td>frames sent</td><td id="framesSent">–</td></tr>
          <tr><td>skipped by slow clients</td><td id="framesSkippedByClients">–</td></tr>
          <tr><td>latency p50 / p99</td><td id="latency">–</td></tr>
          <tr><td>encode time</td><td id="encodeMs">–</td></tr>
          <tr><td>JPEG size</td><td id="jpegBytes">–</td></tr>
          <tr><td>stream clients</td><td id="clients">–</td></tr>
          <tr><td>loop backend</td><td id="backend">–</td></tr>
        </table>
        <div class="links"><a href="/snapshot.jpg">snapshot.jpg</a> · <a href="/stream">stream</a> · <a href="/stats">stats</a></div>
        <div id="status">connecting…</div>
      </div>
    </main>
    <script>
    const $ = id => document.getElementById(id);
    async function poll() {
      try {
        const s = await (await fetch('/stats', {cache: 'no-store'})).json();
        $('fps').textContent = s.fps.toFixed(1);
        for (const k of ['framesCaptured', 'framesDropped', 'framesEncoded', 'framesSent', 'framesSkippedByClients', 'clients'])
          $(k).textContent = s[k];
        $('latency').textContent = s.latencyMs.p50.toFixed(1) + ' / ' + s.latencyMs.p99.toFixed(1) + ' ms';
        $('encodeMs').textContent = s.encodeMs.toFixed(2) + ' ms';
        $('jpegBytes').textContent = (s.jpegBytes / 1024).toFixed(1) + ' KiB';
        $('backend').textContent = s.backend.split(' ')[0];
    $('source').textContent = s.device + ' · ' + s.width + '×' + s.height + ' ' + s.pixelFormat;
        $('status').textContent = 'updated ' + new Date().toLocaleTimeString() + ' · up ' + s.uptime.toFixed(0) + ' s';
      } catch (e) {
        $('status').textContent = 'stats unavailable: ' + e;
      }
    }
    poll();
    setInterval(poll, 500);
    </script>
    </body>
    </html>

    """
}
