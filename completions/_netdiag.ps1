
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'netdiag' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'netdiag'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'netdiag' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('node-status', 'node-status', [CompletionResultType]::ParameterValue, 'Compare the node with what Calico would program and explain every difference')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style')
            [CompletionResult]::new('lab', 'lab', [CompletionResultType]::ParameterValue, 'Build a Calico-shaped cluster out of network namespaces on this machine; break and heal it')
            [CompletionResult]::new('capture', 'capture', [CompletionResultType]::ParameterValue, 'Decode VXLAN/IPIP traffic live or from a pcap: outer and inner headers, node and pod names, anomalies, one line per packet')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Trace the path between two pods (or nodes, or addresses) hop by hop: the encapsulation and why, the tunnel, VTEP and underlay, the MTU budget, delivery; each hop ok, broken or unknown')
            [CompletionResult]::new('tui', 'tui', [CompletionResultType]::ParameterValue, 'A live terminal view of a node''s tunnels and peers: health, VTEPs, routes, rates, packets')
            [CompletionResult]::new('cluster-status', 'cluster-status', [CompletionResultType]::ParameterValue, 'Check every node at once: one short-lived Pod per node collects its state, then every pair of nodes is cross-checked (VTEP MACs, tunnel and node IPs, MTUs) and the culprit named')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'Collect a support bundle (state, intent without secrets, report, sysctls, offloads, optional pcap) into one .tar.gz; `bundle inspect` and `bundle diff` read bundles. Every analysing command takes a bundle as --from')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netdiag;node-status' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Read live state inside this network namespace (/run/netns/NAME, or a path)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)')
            [CompletionResult]::new('--lab', '--lab', [CompletionResultType]::ParameterName, 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding at or above this severity exists')
            [CompletionResult]::new('--bird-socket', '--bird-socket', [CompletionResultType]::ParameterName, 'BIRD''s control socket to read BGP sessions from, read-only (default: Calico''s /var/run/calico/bird.ctl; with --lab, the lab node''s BIRD; with --from, the files''). A bird6.ctl beside a bird.ctl (Calico''s IPv6 BIRD) is read too')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Read the live state of the current network namespace even when --from is given')
            [CompletionResult]::new('--all-peers', '--all-peers', [CompletionResultType]::ParameterName, 'List every peer in the summary, even in large clusters')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;show' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Read live state inside this network namespace (/run/netns/NAME, or a path)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)')
            [CompletionResult]::new('--lab', '--lab', [CompletionResultType]::ParameterName, 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Read the live state of the current network namespace even when --from is given')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netdiag;lab' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Create the lab: a fabric, one namespace per node and per pod, and Calico''s state for the mode')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Remove a lab (or every lab): its namespaces and its state directory')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List the lab''s nodes, pods and addresses, and commands to try')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command inside a node''s or pod''s namespace (or `fabric`)')
            [CompletionResult]::new('break', 'break', [CompletionResultType]::ParameterValue, 'Inject one fault and say how to undo it')
            [CompletionResult]::new('heal', 'heal', [CompletionResultType]::ParameterValue, 'Re-program the mode''s correct state on every node and the fabric')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netdiag;lab;up' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'The dataplane mode')
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'How many nodes (control-plane, worker, worker2, …; the 4th is in a second subnet)')
            [CompletionResult]::new('--pods-per-node', '--pods-per-node', [CompletionResultType]::ParameterName, 'Pods per node')
            [CompletionResult]::new('--mtu', '--mtu', [CompletionResultType]::ParameterName, 'Underlay MTU of the nodes'' eth0')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netdiag;lab;down' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The lab''s name')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Remove every lab that has a state directory')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;lab;status' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;lab;exec' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;lab;break' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to break (default: worker)')
            [CompletionResult]::new('--peer', '--peer', [CompletionResultType]::ParameterName, 'The peer the fault concerns (default: worker3, or worker2 for wrong-route)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netdiag;lab;heal' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The lab''s name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;lab;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Create the lab: a fabric, one namespace per node and per pod, and Calico''s state for the mode')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Remove a lab (or every lab): its namespaces and its state directory')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List the lab''s nodes, pods and addresses, and commands to try')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command inside a node''s or pod''s namespace (or `fabric`)')
            [CompletionResult]::new('break', 'break', [CompletionResultType]::ParameterValue, 'Inject one fault and say how to undo it')
            [CompletionResult]::new('heal', 'heal', [CompletionResultType]::ParameterValue, 'Re-program the mode''s correct state on every node and the fabric')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netdiag;lab;help;up' {
            break
        }
        'netdiag;lab;help;down' {
            break
        }
        'netdiag;lab;help;status' {
            break
        }
        'netdiag;lab;help;exec' {
            break
        }
        'netdiag;lab;help;break' {
            break
        }
        'netdiag;lab;help;heal' {
            break
        }
        'netdiag;lab;help;help' {
            break
        }
        'netdiag;capture' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Read live state inside this network namespace (/run/netns/NAME, or a path)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)')
            [CompletionResult]::new('--lab', '--lab', [CompletionResultType]::ParameterName, 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Read packets from a pcap or pcapng file instead of capturing live')
            [CompletionResult]::new('--read', '--read', [CompletionResultType]::ParameterName, 'Read packets from a pcap or pcapng file instead of capturing live')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Interface to capture on (default: eth0 with --netns or --lab, else `any`)')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Interface to capture on (default: eth0 with --netns or --lab, else `any`)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Write the captured (or read) packets to this pcap file, readable by tcpdump and Wireshark. Alone it prints only the summary at the end; add --decode to see each packet as well')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Write the captured (or read) packets to this pcap file, readable by tcpdump and Wireshark. Alone it prints only the summary at the end; add --decode to see each packet as well')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'BPF filter replacing the default `udp dst port <VXLAN ports> or ip proto 4` ("" = everything)')
            [CompletionResult]::new('--vxlan-port', '--vxlan-port', [CompletionResultType]::ParameterName, 'Decode this UDP port as VXLAN too (repeatable; e.g. 8472 for Flannel). The cluster''s port (FelixConfiguration vxlanPort, else 4789) is always decoded')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after this many packets')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after this many packets')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'Stop after this many captured bytes')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop a live capture after this many seconds')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Per-packet output format (`json`: one object per line)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Per-packet output format (`json`: one object per line)')
            [CompletionResult]::new('--snaplen', '--snaplen', [CompletionResultType]::ParameterName, 'Bytes kept of each live packet')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Read the live state of the current network namespace even when --from is given')
            [CompletionResult]::new('--decode', '--decode', [CompletionResultType]::ParameterName, 'Print each packet decoded (the default unless -w or --stats is given)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Layered view: every header field, inner MACs, on indented lines')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Layered view: every header field, inner MACs, on indented lines')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print only the summary: per node pair and per pod flow, packets, bytes, encapsulation, anomalies, and totals (a live capture prints it at the end anyway, on stderr)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;trace' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Read live state inside this network namespace (/run/netns/NAME, or a path)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)')
            [CompletionResult]::new('--lab', '--lab', [CompletionResultType]::ParameterName, 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Destination port (TCP or UDP); with it the protocol defaults to tcp')
            [CompletionResult]::new('--proto', '--proto', [CompletionResultType]::ParameterName, 'Protocol of the traced traffic (default: tcp with --port, else icmp)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Read the live state of the current network namespace even when --from is given')
            [CompletionResult]::new('--both', '--both', [CompletionResultType]::ParameterName, 'Also trace the way back (DST to SRC): CrossSubnet decisions can differ per direction')
            [CompletionResult]::new('--probe', '--probe', [CompletionResultType]::ParameterName, 'Send real packets (ICMP echo, or a TCP SYN to --port) from SRC to DST and capture them on both nodes'' underlay: did they leave as predicted, did they arrive? Lab only')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;tui' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Read live state inside this network namespace (/run/netns/NAME, or a path)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)')
            [CompletionResult]::new('--lab', '--lab', [CompletionResultType]::ParameterName, 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often to re-read the node: 2s, 500ms, 1m')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Read the live state of the current network namespace even when --from is given')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;cluster-status' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig to use (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: its current-context)')
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'Only the Nodes matching this label selector (as `kubectl get nodes -l`); default: all')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many nodes'' Pods exist at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long one node''s Pod may take to start and finish (10s, 1m, …)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'The collector image (built from deploy/Dockerfile)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each API request, as kubectl: 10s, 1m, 500ms; 0 = none')
            [CompletionResult]::new('--lab', '--lab', [CompletionResultType]::ParameterName, 'Check a lab built by `netdiag lab up` instead (default name: lab): each lab node''s namespace stands in for a Pod on that node')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a culprit at or above this severity exists')
            [CompletionResult]::new('--poll-interval', '--poll-interval', [CompletionResultType]::ParameterName, 'How often each Pod''s phase is read')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--cleanup', '--cleanup', [CompletionResultType]::ParameterName, 'Delete every Pod a cluster-status run left in the netdiag namespace (by label), then exit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;bundle' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Read live state inside this network namespace (/run/netns/NAME, or a path)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps), or from a `netdiag bundle` .tar.gz (verified, then read the same way). With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one bundle per node)')
            [CompletionResult]::new('--lab', '--lab', [CompletionResultType]::ParameterName, 'Use a lab built by `netdiag lab up` (default name: lab): the state of --node''s namespace and the lab''s intent')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod''s service account). Given explicitly, it wins over --from''s cluster/: --from then supplies the node state only. Without --from/--lab the API is used whenever a kubeconfig exists')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: its current-context). Given explicitly, it selects the API as intent source like --kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only read Pods of this namespace from the API (default: all namespaces)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the bundle (default: netdiag-<node>-<time>.tar.gz in the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the bundle (default: netdiag-<node>-<time>.tar.gz in the current directory)')
            [CompletionResult]::new('--capture-seconds', '--capture-seconds', [CompletionResultType]::ParameterName, 'Capture tunnel traffic on the node''s underlay for this many seconds (pcap, size-capped)')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Replace addresses and/or node names with consistent placeholders in every file')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Size cap of the written bundle (compressed): 20MB, 500KB, 1GiB or bytes. What does not fit is left out (the pcap first) and named')
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'With --all-nodes: only the Nodes matching this label selector (as `kubectl get nodes -l`)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'With --all-nodes: how many nodes'' Pods exist at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --all-nodes: how long one node''s Pod may take to start and finish (10s, 1m, …)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'With --all-nodes: the collector image (built from deploy/Dockerfile)')
            [CompletionResult]::new('--poll-interval', '--poll-interval', [CompletionResultType]::ParameterName, 'How often each Pod''s phase is read')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Read the live state of the current network namespace even when --from is given')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be collected, collect nothing')
            [CompletionResult]::new('--all-nodes', '--all-nodes', [CompletionResultType]::ParameterName, 'Bundle every node at once into one archive (per-node bundles plus the cluster-status cross-check), collected as `cluster-status` does: one short-lived Pod per node through the Kubernetes API, or each lab node''s namespace with --lab')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Print a bundle''s manifest summary and verify every member''s SHA-256')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netdiag;bundle;inspect' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;bundle;diff' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;bundle;help' {
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Print a bundle''s manifest summary and verify every member''s SHA-256')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netdiag;bundle;help;inspect' {
            break
        }
        'netdiag;bundle;help;diff' {
            break
        }
        'netdiag;bundle;help;help' {
            break
        }
        'netdiag;help' {
            [CompletionResult]::new('node-status', 'node-status', [CompletionResultType]::ParameterValue, 'Compare the node with what Calico would program and explain every difference')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style')
            [CompletionResult]::new('lab', 'lab', [CompletionResultType]::ParameterValue, 'Build a Calico-shaped cluster out of network namespaces on this machine; break and heal it')
            [CompletionResult]::new('capture', 'capture', [CompletionResultType]::ParameterValue, 'Decode VXLAN/IPIP traffic live or from a pcap: outer and inner headers, node and pod names, anomalies, one line per packet')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Trace the path between two pods (or nodes, or addresses) hop by hop: the encapsulation and why, the tunnel, VTEP and underlay, the MTU budget, delivery; each hop ok, broken or unknown')
            [CompletionResult]::new('tui', 'tui', [CompletionResultType]::ParameterValue, 'A live terminal view of a node''s tunnels and peers: health, VTEPs, routes, rates, packets')
            [CompletionResult]::new('cluster-status', 'cluster-status', [CompletionResultType]::ParameterValue, 'Check every node at once: one short-lived Pod per node collects its state, then every pair of nodes is cross-checked (VTEP MACs, tunnel and node IPs, MTUs) and the culprit named')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'Collect a support bundle (state, intent without secrets, report, sysctls, offloads, optional pcap) into one .tar.gz; `bundle inspect` and `bundle diff` read bundles. Every analysing command takes a bundle as --from')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netdiag;help;node-status' {
            break
        }
        'netdiag;help;show' {
            break
        }
        'netdiag;help;lab' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Create the lab: a fabric, one namespace per node and per pod, and Calico''s state for the mode')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Remove a lab (or every lab): its namespaces and its state directory')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List the lab''s nodes, pods and addresses, and commands to try')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command inside a node''s or pod''s namespace (or `fabric`)')
            [CompletionResult]::new('break', 'break', [CompletionResultType]::ParameterValue, 'Inject one fault and say how to undo it')
            [CompletionResult]::new('heal', 'heal', [CompletionResultType]::ParameterValue, 'Re-program the mode''s correct state on every node and the fabric')
            break
        }
        'netdiag;help;lab;up' {
            break
        }
        'netdiag;help;lab;down' {
            break
        }
        'netdiag;help;lab;status' {
            break
        }
        'netdiag;help;lab;exec' {
            break
        }
        'netdiag;help;lab;break' {
            break
        }
        'netdiag;help;lab;heal' {
            break
        }
        'netdiag;help;capture' {
            break
        }
        'netdiag;help;trace' {
            break
        }
        'netdiag;help;tui' {
            break
        }
        'netdiag;help;cluster-status' {
            break
        }
        'netdiag;help;completions' {
            break
        }
        'netdiag;help;bundle' {
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Print a bundle''s manifest summary and verify every member''s SHA-256')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the node state of two bundles: links, addresses, routes, neighbours, FDB')
            break
        }
        'netdiag;help;bundle;inspect' {
            break
        }
        'netdiag;help;bundle;diff' {
            break
        }
        'netdiag;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
