"""The network's organizations: who they are (directory), and what each account may
see and manage (scope)."""
