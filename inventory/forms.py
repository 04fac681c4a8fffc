from django import forms

from inventory.models import Warehouse


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "address", "is_active"]

    def validate_unique(self):
        """Uniqueness is the service's job (it also handles the race)."""
