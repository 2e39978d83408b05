from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox', '0002_store_throttle_bucket'),
    ]

    operations = [
        migrations.AddField(
            model_name='sandboxstore',
            name='rest_bucket_used',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='sandboxstore',
            name='rest_bucket_updated',
            field=models.FloatField(blank=True, null=True),
        ),
    ]
