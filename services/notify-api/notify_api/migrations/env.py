from qq_kernel.migrations import run_env

from notify_api.models import Base

run_env(Base.metadata)
