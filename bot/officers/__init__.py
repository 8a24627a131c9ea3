"""Officers and admins: who may act for which unit (roles), the audit log of their actions,
granting rights from config.toml and the command line."""
