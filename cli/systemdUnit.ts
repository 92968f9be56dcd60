/**
 * The systemd unit of the worker, in one place: `splai-worker join` renders it
 * for the local install, and scripts/gen-docs.ts writes the packaged copy
 * (packaging/systemd/splai-worker.service) from the same function.
 *
 * Hardening keeps what the sandbox needs: bubblewrap creates user, network, PID
 * and mount namespaces, so there is no RestrictNamespaces, PrivateUsers or
 * seccomp filter on namespaces; the service gets its own cgroup subtree
 * (Delegate=yes) for per-command memory and pids limits, so ProtectControlGroups
 * is off too. Everything else is locked down: a dynamic non-root user, a
 * read-only system, no capabilities, no privilege gain.
 */

export interface SystemdUnitOptions {
  /** The command line that starts the daemon, absolute paths. */
  readonly execStart: string;
  /** Environment file with the settings (a leading `-` is added: optional). */
  readonly envFile: string;
}

/** Where the packaged unit expects things. */
export const PACKAGED_UNIT: SystemdUnitOptions = {
  execStart: '/usr/local/bin/splai-worker run',
  envFile: '/etc/splai-worker/splai-worker.env',
};

export function systemdUnit(options: SystemdUnitOptions): string {
  return `# splai-worker: worker agent of the SPLAI platform.
# Settings live in ${options.envFile} (see packaging/splai-worker.env.example).
# Install: splai-worker join --url http://<gateway>:8080 --install
[Unit]
Description=SPLAI worker agent
Documentation=https://www.npmjs.com/package/splai-worker
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${options.execStart}
EnvironmentFile=-${options.envFile}
Environment=SPLAI_ARTIFACT_ROOT=/var/lib/splai-worker/artifacts
Environment=HOME=/var/lib/splai-worker
# First SIGTERM drains: in-flight tasks get SPLAI_DRAIN_GRACE_SECONDS (30) and the
# outbox SPLAI_DRAIN_FORCE_SECONDS (10); only the main process is signalled, it
# reaps its own sandboxed children.
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=60
Restart=on-failure
RestartSec=5
# Exit 2 is a configuration error: restarting will not fix it.
RestartPreventExitStatus=2

# Identity and files
DynamicUser=yes
StateDirectory=splai-worker
StateDirectoryMode=0700
UMask=0077

# Hardening (compatible with bubblewrap's user namespaces)
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectClock=yes
ProtectHostname=yes
LockPersonality=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
SystemCallArchitectures=native
Delegate=yes
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
}
