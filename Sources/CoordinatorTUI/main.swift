import Coordinator
print(CoordinatorVersion.current)
