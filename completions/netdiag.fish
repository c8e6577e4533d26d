# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_netdiag_global_optspecs
    string join \n color= h/help V/version
end

function __fish_netdiag_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_netdiag_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_netdiag_using_subcommand
    set -l cmd (__fish_netdiag_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c netdiag -n "__fish_netdiag_needs_command" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netdiag -n "__fish_netdiag_needs_command" -s V -l version -d 'Print version'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "node-status" -d 'Compare the node with what Calico would program and explain every difference'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "show" -d 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "lab" -d 'Build a Calico-shaped cluster out of network namespaces on this machine; break and heal it'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "capture" -d 'Decode VXLAN/IPIP traffic live or from a pcap: outer and inner headers, node and pod names, anomalies, one line per packet'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "trace" -d 'Trace the path between two pods (or nodes, or addresses) hop by hop: the encapsulation and why, the tunnel, VTEP and underlay, the MTU budget, delivery; each hop ok, broken or unknown'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "tui" -d 'A live terminal view of a node\'s tunnels and peers: health, VTEPs, routes, rates, packets'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "cluster-status" -d 'Check every node at once: one short-lived Pod per node collects its state, then every pair of nodes is cross-checked (VTEP MACs, tunnel and node IPs, MTUs) and the culprit named'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "bundle" -d 'Collect a support bundle (state, intent without secrets, report, sysctls, offloads, optional pcap) into one .tar.gz; `bundle inspect` and `bundle diff` read bundles. Every analysing command takes a bundle as --from'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l node -d 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l netns -d 'Read live state inside this network namespace (/run/netns/NAME, or a path)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l from -d 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l lab -d 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node\'s namespace and the lab\'s intent' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l kubeconfig -d 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account). Given explicitly, it wins over --from\'s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l context -d 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -s n -l namespace -d 'Only read Pods of this namespace from the API (default: all namespaces)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l request-timeout -d 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l fail-on -d 'Exit 1 when a finding at or above this severity exists' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l bird-socket -d 'BIRD\'s control socket to read BGP sessions from, read-only (default: Calico\'s /var/run/calico/bird.ctl; with --lab, the lab node\'s BIRD; with --from, the files\'). A bird6.ctl beside a bird.ctl (Calico\'s IPv6 BIRD) is read too' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l live -d 'Read the live state of the current network namespace even when --from is given'
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l all-peers -d 'List every peer in the summary, even in large clusters'
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l node -d 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l netns -d 'Read live state inside this network namespace (/run/netns/NAME, or a path)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l from -d 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l lab -d 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node\'s namespace and the lab\'s intent' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l kubeconfig -d 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account). Given explicitly, it wins over --from\'s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l context -d 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -s n -l namespace -d 'Only read Pods of this namespace from the API (default: all namespaces)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l request-timeout -d 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l live -d 'Read the live state of the current network namespace even when --from is given'
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -f -a "up" -d 'Create the lab: a fabric, one namespace per node and per pod, and Calico\'s state for the mode'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -f -a "down" -d 'Remove a lab (or every lab): its namespaces and its state directory'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -f -a "status" -d 'List the lab\'s nodes, pods and addresses, and commands to try'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -f -a "exec" -d 'Run a command inside a node\'s or pod\'s namespace (or `fabric`)'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -f -a "break" -d 'Inject one fault and say how to undo it'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -f -a "heal" -d 'Re-program the mode\'s correct state on every node and the fabric'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and not __fish_seen_subcommand_from up down status exec break heal help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from up" -l name -d 'The lab\'s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from up" -l mode -d 'The dataplane mode' -r -f -a "vxlan-crosssubnet\t'One pool, VXLAN CrossSubnet (backend vxlan): direct within a subnet, VXLAN across'
vxlan-always\t'One pool, VXLAN Always (backend vxlan)'
bgp\t'One pool without encapsulation (backend bird); the fabric routes blocks across subnets'
mixed\t'Two pools: 192.168.0.0/16 VXLAN CrossSubnet and 172.16.0.0/16 no-encap (backend bird)'
ipip-always\t'One pool, IPIP Always (backend bird); needs the kernel\'s ipip module'
ipip-crosssubnet\t'One pool, IPIP CrossSubnet (backend bird); needs the kernel\'s ipip module'
flannel-vxlan\t'Flannel\'s VXLAN backend (kube-flannel.yml defaults): flannel.1 VNI 1 port 8472, a /24 podCIDR per node, pods on the cni0 bridge; no Calico resources'
canal\t'Canal: Flannel VXLAN networking with Calico\'s workload veths (cali*, /32 routes)'"
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from up" -l nodes -d 'How many nodes (control-plane, worker, worker2, …; the 4th is in a second subnet)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from up" -l pods-per-node -d 'Pods per node' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from up" -l mtu -d 'Underlay MTU of the nodes\' eth0' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from up" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from down" -l name -d 'The lab\'s name' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from down" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from down" -l all -d 'Remove every lab that has a state directory'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from status" -l name -d 'The lab\'s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from status" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from exec" -l name -d 'The lab\'s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from exec" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from exec" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from break" -l name -d 'The lab\'s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from break" -l node -d 'The node to break (default: worker)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from break" -l peer -d 'The peer the fault concerns (default: worker3, or worker2 for wrong-route)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from break" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from break" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from heal" -l name -d 'The lab\'s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from heal" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from heal" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "up" -d 'Create the lab: a fabric, one namespace per node and per pod, and Calico\'s state for the mode'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "down" -d 'Remove a lab (or every lab): its namespaces and its state directory'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "status" -d 'List the lab\'s nodes, pods and addresses, and commands to try'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "exec" -d 'Run a command inside a node\'s or pod\'s namespace (or `fabric`)'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "break" -d 'Inject one fault and say how to undo it'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "heal" -d 'Re-program the mode\'s correct state on every node and the fabric'
complete -c netdiag -n "__fish_netdiag_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l node -d 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l netns -d 'Read live state inside this network namespace (/run/netns/NAME, or a path)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l from -d 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l lab -d 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node\'s namespace and the lab\'s intent' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l kubeconfig -d 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account). Given explicitly, it wins over --from\'s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l context -d 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -s n -l namespace -d 'Only read Pods of this namespace from the API (default: all namespaces)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l request-timeout -d 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -s r -l read -d 'Read packets from a pcap or pcapng file instead of capturing live' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -s i -l interface -d 'Interface to capture on (default: eth0 with --netns or --lab, else `any`)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -s w -l write -d 'Write the captured (or read) packets to this pcap file, readable by tcpdump and Wireshark. Alone it prints only the summary at the end; add --decode to see each packet as well' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l filter -d 'BPF filter replacing the default `udp dst port <VXLAN ports> or ip proto 4` ("" = everything)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l vxlan-port -d 'Decode this UDP port as VXLAN too (repeatable; e.g. 8472 for Flannel). The cluster\'s port (FelixConfiguration vxlanPort, else 4789) is always decoded' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -s c -l count -d 'Stop after this many packets' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l max-bytes -d 'Stop after this many captured bytes' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l duration -d 'Stop a live capture after this many seconds' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -s o -l output -d 'Per-packet output format (`json`: one object per line)' -r -f -a "text\t''
json\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l snaplen -d 'Bytes kept of each live packet' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l live -d 'Read the live state of the current network namespace even when --from is given'
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l decode -d 'Print each packet decoded (the default unless -w or --stats is given)'
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -s v -l verbose -d 'Layered view: every header field, inner MACs, on indented lines'
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -l stats -d 'Print only the summary: per node pair and per pod flow, packets, bytes, encapsulation, anomalies, and totals (a live capture prints it at the end anyway, on stderr)'
complete -c netdiag -n "__fish_netdiag_using_subcommand capture" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l node -d 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l netns -d 'Read live state inside this network namespace (/run/netns/NAME, or a path)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l from -d 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l lab -d 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node\'s namespace and the lab\'s intent' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l kubeconfig -d 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account). Given explicitly, it wins over --from\'s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l context -d 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -s n -l namespace -d 'Only read Pods of this namespace from the API (default: all namespaces)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l request-timeout -d 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l port -d 'Destination port (TCP or UDP); with it the protocol defaults to tcp' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l proto -d 'Protocol of the traced traffic (default: tcp with --port, else icmp)' -r -f -a "icmp\t''
tcp\t''
udp\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -s o -l output -r -f -a "text\t''
json\t''
yaml\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l live -d 'Read the live state of the current network namespace even when --from is given'
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l both -d 'Also trace the way back (DST to SRC): CrossSubnet decisions can differ per direction'
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -l probe -d 'Send real packets (ICMP echo, or a TCP SYN to --port) from SRC to DST and capture them on both nodes\' underlay: did they leave as predicted, did they arrive? Lab only'
complete -c netdiag -n "__fish_netdiag_using_subcommand trace" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l node -d 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l netns -d 'Read live state inside this network namespace (/run/netns/NAME, or a path)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l from -d 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l lab -d 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node\'s namespace and the lab\'s intent' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l kubeconfig -d 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account). Given explicitly, it wins over --from\'s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l context -d 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -s n -l namespace -d 'Only read Pods of this namespace from the API (default: all namespaces)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l request-timeout -d 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l interval -d 'How often to re-read the node: 2s, 500ms, 1m' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -l live -d 'Read the live state of the current network namespace even when --from is given'
complete -c netdiag -n "__fish_netdiag_using_subcommand tui" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l kubeconfig -d 'The kubeconfig to use (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account)' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l context -d 'The kubeconfig context to use (default: its current-context)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l nodes -d 'Only the Nodes matching this label selector (as `kubectl get nodes -l`); default: all' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l concurrency -d 'How many nodes\' Pods exist at once' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l timeout -d 'How long one node\'s Pod may take to start and finish (10s, 1m, …)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l image -d 'The collector image (built from deploy/Dockerfile)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l request-timeout -d 'Time limit for each API request, as kubectl: 10s, 1m, 500ms; 0 = none' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l lab -d 'Check a lab built by `netdiag lab up` instead (default name: lab): each lab node\'s namespace stands in for a Pod on that node' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l fail-on -d 'Exit 1 when a culprit at or above this severity exists' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l poll-interval -d 'How often each Pod\'s phase is read' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -l cleanup -d 'Delete every Pod a cluster-status run left in the netdiag namespace (by label), then exit'
complete -c netdiag -n "__fish_netdiag_using_subcommand cluster-status" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand completions" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand completions" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l node -d 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l netns -d 'Read live state inside this network namespace (/run/netns/NAME, or a path)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l from -d 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l lab -d 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node\'s namespace and the lab\'s intent' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l kubeconfig -d 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account). Given explicitly, it wins over --from\'s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l context -d 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -s n -l namespace -d 'Only read Pods of this namespace from the API (default: all namespaces)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l request-timeout -d 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -s o -l output -d 'Where to write the bundle (default: netdiag-<node>-<time>.tar.gz in the current directory)' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l capture-seconds -d 'Capture tunnel traffic on the node\'s underlay for this many seconds (pcap, size-capped)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l redact -d 'Replace addresses and/or node names with consistent placeholders in every file' -r -f -a "ips\t'Every IPv4/IPv6 address, mapped network by network (subnets and prefixes kept)'
hostnames\t'Every node name, as node-1, node-2, … (in file names too)'"
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l max-size -d 'Size cap of the written bundle (compressed): 20MB, 500KB, 1GiB or bytes. What does not fit is left out (the pcap first) and named' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l nodes -d 'With --all-nodes: only the Nodes matching this label selector (as `kubectl get nodes -l`)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l concurrency -d 'With --all-nodes: how many nodes\' Pods exist at once' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l timeout -d 'With --all-nodes: how long one node\'s Pod may take to start and finish (10s, 1m, …)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l image -d 'With --all-nodes: the collector image (built from deploy/Dockerfile)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l poll-interval -d 'How often each Pod\'s phase is read' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l live -d 'Read the live state of the current network namespace even when --from is given'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l dry-run -d 'List what would be collected, collect nothing'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -l all-nodes -d 'Bundle every node at once into one archive (per-node bundles plus the cluster-status cross-check), collected as `cluster-status` does: one short-lived Pod per node through the Kubernetes API, or each lab node\'s namespace with --lab'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -f -a "inspect" -d 'Print a bundle\'s manifest summary and verify every member\'s SHA-256'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -f -a "diff" -d 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and not __fish_seen_subcommand_from inspect diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from inspect" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from inspect" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from diff" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from diff" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Print a bundle\'s manifest summary and verify every member\'s SHA-256'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "diff" -d 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB'
complete -c netdiag -n "__fish_netdiag_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "node-status" -d 'Compare the node with what Calico would program and explain every difference'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "show" -d 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "lab" -d 'Build a Calico-shaped cluster out of network namespaces on this machine; break and heal it'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "capture" -d 'Decode VXLAN/IPIP traffic live or from a pcap: outer and inner headers, node and pod names, anomalies, one line per packet'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "trace" -d 'Trace the path between two pods (or nodes, or addresses) hop by hop: the encapsulation and why, the tunnel, VTEP and underlay, the MTU budget, delivery; each hop ok, broken or unknown'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "tui" -d 'A live terminal view of a node\'s tunnels and peers: health, VTEPs, routes, rates, packets'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "cluster-status" -d 'Check every node at once: one short-lived Pod per node collects its state, then every pair of nodes is cross-checked (VTEP MACs, tunnel and node IPs, MTUs) and the culprit named'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "bundle" -d 'Collect a support bundle (state, intent without secrets, report, sysctls, offloads, optional pcap) into one .tar.gz; `bundle inspect` and `bundle diff` read bundles. Every analysing command takes a bundle as --from'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show lab capture trace tui cluster-status completions bundle help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "up" -d 'Create the lab: a fabric, one namespace per node and per pod, and Calico\'s state for the mode'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "down" -d 'Remove a lab (or every lab): its namespaces and its state directory'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "status" -d 'List the lab\'s nodes, pods and addresses, and commands to try'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "exec" -d 'Run a command inside a node\'s or pod\'s namespace (or `fabric`)'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "break" -d 'Inject one fault and say how to undo it'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "heal" -d 'Re-program the mode\'s correct state on every node and the fabric'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and __fish_seen_subcommand_from bundle" -f -a "inspect" -d 'Print a bundle\'s manifest summary and verify every member\'s SHA-256'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and __fish_seen_subcommand_from bundle" -f -a "diff" -d 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB'
