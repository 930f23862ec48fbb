from django.db import models


class InventoryAccess(models.Model):
    """No table: carries the `inventory.view_inventory` permission."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_inventory", "Can view a Steam user's inventory")]
        verbose_name = "inventory access"

    def __str__(self) -> str:
        return "inventory access"
