
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
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netdiag;node-status' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to check or show (default: the Node whose address is on a local link, or the only node directory under --from)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Read live state inside this network namespace (/run/netns/NAME, or a path)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps). With --netns or --live, only the intent is taken from DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding at or above this severity exists')
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
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps). With --netns or --live, only the intent is taken from DIR')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Read the live state of the current network namespace even when --from is given')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netdiag;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour human output: auto = only on a terminal and when NO_COLOR is unset')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'netdiag;help' {
            [CompletionResult]::new('node-status', 'node-status', [CompletionResultType]::ParameterValue, 'Compare the node with what Calico would program and explain every difference')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netdiag;help;node-status' {
            break
        }
        'netdiag;help;show' {
            break
        }
        'netdiag;help;completions' {
            break
        }
        'netdiag;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
