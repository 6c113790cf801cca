"""qqctl: the composition root. The only code that knows all three services: it provisions
their databases, runs their migrations, starts them (all-in-one or split) and exports their
contracts. Services never import each other."""
