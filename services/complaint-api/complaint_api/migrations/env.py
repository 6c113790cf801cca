from complaint_api.models import Base
from qq_kernel.migrations import run_env

run_env(Base.metadata)
