/**
 * Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it when missing) and the
 * flags it runs with here: no sandbox (tests run as root), no GPU, and no background networking,
 * which this machine's closed network would refuse over and over. CHROMIUM_PATH overrides the path.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
