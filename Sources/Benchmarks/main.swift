import ClosebellCore
print("bench")
