
use builtin;
use str;

set edit:completion:arg-completer[netdiag] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'netdiag'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'netdiag'= {
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand node-status 'Compare the node with what Calico would program and explain every difference'
            cand show 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style'
            cand lab 'Build a Calico-shaped cluster out of network namespaces on this machine; break and heal it'
            cand capture 'Decode VXLAN/IPIP traffic live or from a pcap: outer and inner headers, node and pod names, anomalies, one line per packet'
            cand trace 'Trace the path between two pods (or nodes, or addresses) hop by hop: the encapsulation and why, the tunnel, VTEP and underlay, the MTU budget, delivery; each hop ok, broken or unknown'
            cand tui 'A live terminal view of a node''s tunnels and peers: health, VTEPs, routes, rates, packets'
            cand cluster-status 'Check every node at once: one short-lived Pod per node collects its state, then every pair of nodes is cross-checked (VTEP MACs, tunnel and node IPs, MTUs) and the culprit named'
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand bundle 'Collect a support bundle (state, intent without secrets, report, sysctls, offloads, optional pcap) into one .tar.gz; `bundle inspect` and `bundle diff` read bundles. Every analysing command takes a bundle as --from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netdiag;node-status'= {
            cand --node 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)'
            cand --netns 'Read live state inside this network namespace (/run/netns/NAME, or a path)'
            cand --from 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)'
            cand --lab 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent'
            cand --kubeconfig 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists'
            cand --context 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig'
            cand -n 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --namespace 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --request-timeout 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --fail-on 'Exit 1 when a finding at or above this severity exists'
            cand --bird-socket 'BIRD''s control socket to read BGP sessions from, read-only (default: Calico''s /var/run/calico/bird.ctl; with --lab, the lab node''s BIRD; with --from, the files''). A bird6.ctl beside a bird.ctl (Calico''s IPv6 BIRD) is read too'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --live 'Read the live state of the current network namespace even when --from is given'
            cand --all-peers 'List every peer in the summary, even in large clusters'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;show'= {
            cand --node 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)'
            cand --netns 'Read live state inside this network namespace (/run/netns/NAME, or a path)'
            cand --from 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)'
            cand --lab 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent'
            cand --kubeconfig 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists'
            cand --context 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig'
            cand -n 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --namespace 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --request-timeout 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --live 'Read the live state of the current network namespace even when --from is given'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netdiag;lab'= {
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help'
            cand --help 'Print help'
            cand up 'Create the lab: a fabric, one namespace per node and per pod, and Calico''s state for the mode'
            cand down 'Remove a lab (or every lab): its namespaces and its state directory'
            cand status 'List the lab''s nodes, pods and addresses, and commands to try'
            cand exec 'Run a command inside a node''s or pod''s namespace (or `fabric`)'
            cand break 'Inject one fault and say how to undo it'
            cand heal 'Re-program the mode''s correct state on every node and the fabric'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netdiag;lab;up'= {
            cand --name 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME'
            cand --mode 'The dataplane mode'
            cand --nodes 'How many nodes (control-plane, worker, worker2, …; the 4th is in a second subnet)'
            cand --pods-per-node 'Pods per node'
            cand --mtu 'Underlay MTU of the nodes'' eth0'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netdiag;lab;down'= {
            cand --name 'The lab''s name'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --all 'Remove every lab that has a state directory'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;lab;status'= {
            cand --name 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;lab;exec'= {
            cand --name 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;lab;break'= {
            cand --name 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME'
            cand --node 'The node to break (default: worker)'
            cand --peer 'The peer the fault concerns (default: worker3, or worker2 for wrong-route)'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netdiag;lab;heal'= {
            cand --name 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;lab;help'= {
            cand up 'Create the lab: a fabric, one namespace per node and per pod, and Calico''s state for the mode'
            cand down 'Remove a lab (or every lab): its namespaces and its state directory'
            cand status 'List the lab''s nodes, pods and addresses, and commands to try'
            cand exec 'Run a command inside a node''s or pod''s namespace (or `fabric`)'
            cand break 'Inject one fault and say how to undo it'
            cand heal 'Re-program the mode''s correct state on every node and the fabric'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netdiag;lab;help;up'= {
        }
        &'netdiag;lab;help;down'= {
        }
        &'netdiag;lab;help;status'= {
        }
        &'netdiag;lab;help;exec'= {
        }
        &'netdiag;lab;help;break'= {
        }
        &'netdiag;lab;help;heal'= {
        }
        &'netdiag;lab;help;help'= {
        }
        &'netdiag;capture'= {
            cand --node 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)'
            cand --netns 'Read live state inside this network namespace (/run/netns/NAME, or a path)'
            cand --from 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)'
            cand --lab 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent'
            cand --kubeconfig 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists'
            cand --context 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig'
            cand -n 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --namespace 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --request-timeout 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none'
            cand -r 'Read packets from a pcap or pcapng file instead of capturing live'
            cand --read 'Read packets from a pcap or pcapng file instead of capturing live'
            cand -i 'Interface to capture on (default: eth0 with --netns or --lab, else `any`)'
            cand --interface 'Interface to capture on (default: eth0 with --netns or --lab, else `any`)'
            cand -w 'Write the captured (or read) packets to this pcap file, readable by tcpdump and Wireshark. Alone it prints only the summary at the end; add --decode to see each packet as well'
            cand --write 'Write the captured (or read) packets to this pcap file, readable by tcpdump and Wireshark. Alone it prints only the summary at the end; add --decode to see each packet as well'
            cand --filter 'BPF filter replacing the default `udp dst port <VXLAN ports> or ip proto 4` ("" = everything)'
            cand --vxlan-port 'Decode this UDP port as VXLAN too (repeatable; e.g. 8472 for Flannel). The cluster''s port (FelixConfiguration vxlanPort, else 4789) is always decoded'
            cand -c 'Stop after this many packets'
            cand --count 'Stop after this many packets'
            cand --max-bytes 'Stop after this many captured bytes'
            cand --duration 'Stop a live capture after this many seconds'
            cand -o 'Per-packet output format (`json`: one object per line)'
            cand --output 'Per-packet output format (`json`: one object per line)'
            cand --snaplen 'Bytes kept of each live packet'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --live 'Read the live state of the current network namespace even when --from is given'
            cand --decode 'Print each packet decoded (the default unless -w or --stats is given)'
            cand -v 'Layered view: every header field, inner MACs, on indented lines'
            cand --verbose 'Layered view: every header field, inner MACs, on indented lines'
            cand --stats 'Print only the summary: per node pair and per pod flow, packets, bytes, encapsulation, anomalies, and totals (a live capture prints it at the end anyway, on stderr)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;trace'= {
            cand --node 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)'
            cand --netns 'Read live state inside this network namespace (/run/netns/NAME, or a path)'
            cand --from 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)'
            cand --lab 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent'
            cand --kubeconfig 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists'
            cand --context 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig'
            cand -n 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --namespace 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --request-timeout 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none'
            cand --port 'Destination port (TCP or UDP); with it the protocol defaults to tcp'
            cand --proto 'Protocol of the traced traffic (default: tcp with --port, else icmp)'
            cand -o 'o'
            cand --output 'output'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --live 'Read the live state of the current network namespace even when --from is given'
            cand --both 'Also trace the way back (DST to SRC): CrossSubnet decisions can differ per direction'
            cand --probe 'Send real packets (ICMP echo, or a TCP SYN to --port) from SRC to DST and capture them on both nodes'' underlay: did they leave as predicted, did they arrive? Lab only'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;tui'= {
            cand --node 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)'
            cand --netns 'Read live state inside this network namespace (/run/netns/NAME, or a path)'
            cand --from 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)'
            cand --lab 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent'
            cand --kubeconfig 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists'
            cand --context 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig'
            cand -n 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --namespace 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --request-timeout 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none'
            cand --interval 'How often to re-read the node: 2s, 500ms, 1m'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --live 'Read the live state of the current network namespace even when --from is given'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;cluster-status'= {
            cand --kubeconfig 'The kubeconfig to use (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account)'
            cand --context 'The kubeconfig context to use (default: its current-context)'
            cand --nodes 'Only the Nodes matching this label selector (as `kubectl get nodes -l`); default: all'
            cand --concurrency 'How many nodes'' Pods exist at once'
            cand --timeout 'How long one node''s Pod may take to start and finish (10s, 1m, …)'
            cand --image 'The collector image (built from deploy/Dockerfile)'
            cand --request-timeout 'Time limit for each API request, as kubectl: 10s, 1m, 500ms; 0 = none'
            cand --lab 'Check a lab built by `netdiag lab up` instead (default name: lab): each lab node''s namespace stands in for a Pod on that node'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --fail-on 'Exit 1 when a culprit at or above this severity exists'
            cand --poll-interval 'How often each Pod''s phase is read'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --cleanup 'Delete every Pod a cluster-status run left in the netdiag namespace (by label), then exit'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;completions'= {
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;bundle'= {
            cand --node 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)'
            cand --netns 'Read live state inside this network namespace (/run/netns/NAME, or a path)'
            cand --from 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)'
            cand --lab 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent'
            cand --kubeconfig 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists'
            cand --context 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig'
            cand -n 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --namespace 'Only read Pods of this namespace from the API (default: all namespaces)'
            cand --request-timeout 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none'
            cand -o 'Where to write the bundle (default: netdiag-<node>-<time>.tar.gz in the current directory)'
            cand --output 'Where to write the bundle (default: netdiag-<node>-<time>.tar.gz in the current directory)'
            cand --capture-seconds 'Capture tunnel traffic on the node''s underlay for this many seconds (pcap, size-capped)'
            cand --redact 'Replace addresses and/or node names with consistent placeholders in every file'
            cand --max-size 'Size cap of the written bundle (compressed): 20MB, 500KB, 1GiB or bytes. What does not fit is left out (the pcap first) and named'
            cand --nodes 'With --all-nodes: only the Nodes matching this label selector (as `kubectl get nodes -l`)'
            cand --concurrency 'With --all-nodes: how many nodes'' Pods exist at once'
            cand --timeout 'With --all-nodes: how long one node''s Pod may take to start and finish (10s, 1m, …)'
            cand --image 'With --all-nodes: the collector image (built from deploy/Dockerfile)'
            cand --poll-interval 'How often each Pod''s phase is read'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --live 'Read the live state of the current network namespace even when --from is given'
            cand --dry-run 'List what would be collected, collect nothing'
            cand --all-nodes 'Bundle every node at once into one archive (per-node bundles plus the cluster-status cross-check), collected as `cluster-status` does: one short-lived Pod per node through the Kubernetes API, or each lab node''s namespace with --lab'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand inspect 'Print a bundle''s manifest summary and verify every member''s SHA-256'
            cand diff 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netdiag;bundle;inspect'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;bundle;diff'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;bundle;help'= {
            cand inspect 'Print a bundle''s manifest summary and verify every member''s SHA-256'
            cand diff 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netdiag;bundle;help;inspect'= {
        }
        &'netdiag;bundle;help;diff'= {
        }
        &'netdiag;bundle;help;help'= {
        }
        &'netdiag;help'= {
            cand node-status 'Compare the node with what Calico would program and explain every difference'
            cand show 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style'
            cand lab 'Build a Calico-shaped cluster out of network namespaces on this machine; break and heal it'
            cand capture 'Decode VXLAN/IPIP traffic live or from a pcap: outer and inner headers, node and pod names, anomalies, one line per packet'
            cand trace 'Trace the path between two pods (or nodes, or addresses) hop by hop: the encapsulation and why, the tunnel, VTEP and underlay, the MTU budget, delivery; each hop ok, broken or unknown'
            cand tui 'A live terminal view of a node''s tunnels and peers: health, VTEPs, routes, rates, packets'
            cand cluster-status 'Check every node at once: one short-lived Pod per node collects its state, then every pair of nodes is cross-checked (VTEP MACs, tunnel and node IPs, MTUs) and the culprit named'
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand bundle 'Collect a support bundle (state, intent without secrets, report, sysctls, offloads, optional pcap) into one .tar.gz; `bundle inspect` and `bundle diff` read bundles. Every analysing command takes a bundle as --from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netdiag;help;node-status'= {
        }
        &'netdiag;help;show'= {
        }
        &'netdiag;help;lab'= {
            cand up 'Create the lab: a fabric, one namespace per node and per pod, and Calico''s state for the mode'
            cand down 'Remove a lab (or every lab): its namespaces and its state directory'
            cand status 'List the lab''s nodes, pods and addresses, and commands to try'
            cand exec 'Run a command inside a node''s or pod''s namespace (or `fabric`)'
            cand break 'Inject one fault and say how to undo it'
            cand heal 'Re-program the mode''s correct state on every node and the fabric'
        }
        &'netdiag;help;lab;up'= {
        }
        &'netdiag;help;lab;down'= {
        }
        &'netdiag;help;lab;status'= {
        }
        &'netdiag;help;lab;exec'= {
        }
        &'netdiag;help;lab;break'= {
        }
        &'netdiag;help;lab;heal'= {
        }
        &'netdiag;help;capture'= {
        }
        &'netdiag;help;trace'= {
        }
        &'netdiag;help;tui'= {
        }
        &'netdiag;help;cluster-status'= {
        }
        &'netdiag;help;completions'= {
        }
        &'netdiag;help;bundle'= {
            cand inspect 'Print a bundle''s manifest summary and verify every member''s SHA-256'
            cand diff 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB'
        }
        &'netdiag;help;bundle;inspect'= {
        }
        &'netdiag;help;bundle;diff'= {
        }
        &'netdiag;help;help'= {
        }
    ]
    $completions[$command]
}
