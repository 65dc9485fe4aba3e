"""`python -m schedctl ...`: the schedctl command."""
from ._cli import main

main()
