app_name = "rers_core"
urlpatterns: list = []
