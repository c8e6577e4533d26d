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
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c netdiag -n "__fish_netdiag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l node -d 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l netns -d 'Read live state inside this network namespace (/run/netns/NAME, or a path)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l from -d 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps). With --netns or --live, only the intent is taken from DIR' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l fail-on -d 'Exit 1 when a finding at or above this severity exists' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l live -d 'Read the live state of the current network namespace even when --from is given'
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -l all-peers -d 'List every peer in the summary, even in large clusters'
complete -c netdiag -n "__fish_netdiag_using_subcommand node-status" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l node -d 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l netns -d 'Read live state inside this network namespace (/run/netns/NAME, or a path)' -r
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l from -d 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps). With --netns or --live, only the intent is taken from DIR' -r -F
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -l live -d 'Read the live state of the current network namespace even when --from is given'
complete -c netdiag -n "__fish_netdiag_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netdiag -n "__fish_netdiag_using_subcommand completions" -l color -d 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netdiag -n "__fish_netdiag_using_subcommand completions" -s h -l help -d 'Print help'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show completions help" -f -a "node-status" -d 'Compare the node with what Calico would program and explain every difference'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show completions help" -f -a "show" -d 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show completions help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c netdiag -n "__fish_netdiag_using_subcommand help; and not __fish_seen_subcommand_from node-status show completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
