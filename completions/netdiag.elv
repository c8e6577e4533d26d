
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
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netdiag;node-status'= {
            cand --node 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)'
            cand --netns 'Read live state inside this network namespace (/run/netns/NAME, or a path)'
            cand --from 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps). With --netns or --live, only the intent is taken from DIR'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --fail-on 'Exit 1 when a finding at or above this severity exists'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --live 'Read the live state of the current network namespace even when --from is given'
            cand --all-peers 'List every peer in the summary, even in large clusters'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;show'= {
            cand --node 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)'
            cand --netns 'Read live state inside this network namespace (/run/netns/NAME, or a path)'
            cand --from 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps). With --netns or --live, only the intent is taken from DIR'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand --live 'Read the live state of the current network namespace even when --from is given'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netdiag;completions'= {
            cand --color 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netdiag;help'= {
            cand node-status 'Compare the node with what Calico would program and explain every difference'
            cand show 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style'
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netdiag;help;node-status'= {
        }
        &'netdiag;help;show'= {
        }
        &'netdiag;help;completions'= {
        }
        &'netdiag;help;help'= {
        }
    ]
    $completions[$command]
}
