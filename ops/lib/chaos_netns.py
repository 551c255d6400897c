"""A worker host of its own for ops/chaos: a network namespace joined to this machine by a veth
pair, as if the worker ran on another machine. The broker listens on loopback only, so the host
side forwards the namespace's connections to the AMQP ports (DNAT to 127.0.0.1, which the veth
interface is allowed to route). Faults are iptables rules inside the namespace: DROP everything
(a silent partition: no RST, no FIN — only heartbeats can tell) or DROP at random (packet loss,
iptables' `statistic` match; `tc netem` is not in this kernel). Needs root, `ip` and `iptables`.
"""
import os
import shutil
import subprocess
import uuid


def available():
    """Why namespaces cannot be used here, or None."""
    if os.geteuid() != 0:
        return "needs root"
    missing = [t for t in ("ip", "iptables") if shutil.which(t) is None]
    return f"needs {' and '.join(missing)}" if missing else None


def sh(*args, check=True):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip()}")
    return r


class WorkerHost:
    """One namespace `cbw<hex>` at 10.231.<n>.2, its host side at 10.231.<n>.1."""

    def __init__(self, amqp_ports):
        self.name = f"cbw{uuid.uuid4().hex[:6]}"
        self.host_if, self.ns_if = f"{self.name}h", f"{self.name}n"
        n = int(uuid.uuid4().hex[:2], 16) % 250 + 1
        self.gateway, self.address = f"10.231.{n}.1", f"10.231.{n}.2"
        self.ports = list(amqp_ports)
        self.rules = []
        sh("ip", "netns", "add", self.name)
        try:
            sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            sh("ip", "link", "set", self.ns_if, "netns", self.name)
            sh("ip", "addr", "add", f"{self.gateway}/30", "dev", self.host_if)
            sh("ip", "link", "set", self.host_if, "up")
            for cmd in (["ip", "addr", "add", f"{self.address}/30", "dev", self.ns_if],
                        ["ip", "link", "set", self.ns_if, "up"], ["ip", "link", "set", "lo", "up"],
                        ["ip", "route", "add", "default", "via", self.gateway]):
                self.inside(*cmd)
            sh("sysctl", "-qw", f"net.ipv4.conf.{self.host_if}.route_localnet=1")
            for port in self.ports:
                rule = ["PREROUTING", "-i", self.host_if, "-p", "tcp", "--dport", str(port), "-j", "DNAT",
                        "--to-destination", f"127.0.0.1:{port}"]
                sh("iptables", "-t", "nat", "-A", *rule)
                self.rules.append(rule)
        except Exception:
            self.close()
            raise

    def inside(self, *cmd, check=True):
        return sh("ip", "netns", "exec", self.name, *cmd, check=check)

    def command(self, argv):
        """argv run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def url(self, amqp_url):
        """The broker URL as seen from inside: every 127.0.0.1 node through the gateway."""
        return amqp_url.replace("127.0.0.1", self.gateway).replace("localhost", self.gateway)

    def partition(self):
        """Silently drops every packet in and out (established connections included)."""
        self.heal()
        self.inside("iptables", "-A", "INPUT", "-j", "DROP")
        self.inside("iptables", "-A", "OUTPUT", "-j", "DROP")

    def lossy(self, probability):
        """Drops each packet in either direction with the given probability."""
        self.heal()
        for chain in ("INPUT", "OUTPUT"):
            self.inside("iptables", "-A", chain, "-m", "statistic", "--mode", "random", "--probability",
                        str(probability), "-j", "DROP")

    def heal(self):
        self.inside("iptables", "-F", check=False)

    def close(self):
        for rule in self.rules:
            sh("iptables", "-t", "nat", "-D", *rule, check=False)
        self.rules = []
        sh("ip", "netns", "delete", self.name, check=False)   # takes the veth pair with it
