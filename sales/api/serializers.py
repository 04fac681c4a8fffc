from django.contrib.auth import get_user_model
from rest_framework import serializers

from sales.models import Contact, Customer, Product

User = get_user_model()


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "title", "phone", "email"]
        read_only_fields = ["id"]


class CustomerSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False
    )
    contacts = ContactSerializer(many=True, required=False)

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "owner",
            "tax_id",
            "contact_name",
            "phone",
            "email",
            "address",
            "credit_limit",
            "credit_days",
            "risk_level",
            "blocked",
            "is_active",
            "contacts",
            "created_at",
            "updated_at",
        ]
        # R2: credit fields are read-only here; a write is refused before validation.
        read_only_fields = [
            "id",
            "credit_limit",
            "credit_days",
            "risk_level",
            "blocked",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"code": {"required": False, "validators": []}}


class CustomerCreditSerializer(serializers.Serializer):
    credit_limit = serializers.DecimalField(max_digits=18, decimal_places=2)
    credit_days = serializers.IntegerField()
    risk_level = serializers.CharField()
    exposure = serializers.DecimalField(max_digits=18, decimal_places=2)
    available = serializers.DecimalField(max_digits=18, decimal_places=2)
    overdue_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    blocked = serializers.BooleanField()


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "specification",
            "unit",
            "tax_rate",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}
